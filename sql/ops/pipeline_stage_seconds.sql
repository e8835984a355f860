-- title: Pipeline runs: seconds per stage (last 90 days)
-- description: Per pipeline run of the last 90 days, oldest first: the wall-clock seconds of each stage that ran, with the run's and the stage's status.
-- section: Pipeline runs
-- chart: bar x=run_id y=duration_seconds series=stage stack=true xtitle="run" ytitle="seconds" order=60
SELECT
    run_id,
    CAST(pipeline_started_at AS timestamp) AS run_started_at,
    pipeline_status,
    stage_order,
    stage,
    status,
    duration_seconds
FROM ops.pipeline_stage_runs
WHERE status <> 'SKIPPED'
    AND run_date >= CAST(date_add('day', -89, current_date) AS varchar)
ORDER BY run_started_at, run_id, stage_order
