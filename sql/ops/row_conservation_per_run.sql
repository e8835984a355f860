-- title: Row conservation per run (last 90 days)
-- description: Per run of each job that accounts for every row it reads: rows read, where they went (written, quarantined, duplicates), rows not accounted for and the tables that did not balance.
-- section: Data quality
-- chart: bar x=run_id y=rows_written,rows_quarantined,duplicates_removed stack=true xtitle="run" ytitle="rows read" order=40
SELECT
    run_id,
    job,
    min(started_at) AS started_at,
    max(job_status) AS job_status,
    sum(rows_read) AS rows_read,
    sum(rows_written) AS rows_written,
    sum(rows_quarantined) AS rows_quarantined,
    sum(duplicates_removed) AS duplicates_removed,
    sum(rows_read - rows_written - rows_quarantined - duplicates_removed) AS rows_unaccounted,
    count_if(rows_read <> rows_written + rows_quarantined + duplicates_removed) AS unbalanced_tables
FROM ops.job_table_runs
WHERE conservation_checked
    AND run_date >= CAST(date_add('day', -89, current_date) AS varchar)
GROUP BY run_id, job
ORDER BY min(started_at), run_id, job
