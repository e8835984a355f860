-- title: Freshness: last successful run per layer and table
-- description: Per layer and table (a silver table is one source): when a job last finished successfully, when a successful run last wrote rows to it, and the hours since then (UTC).
-- section: Data quality
-- chart: bar x=table_label y=hours_since_new_rows orient=h ytitle="hours since new rows" order=50
SELECT
    layer || '.' || table_name AS table_label,
    layer,
    table_name,
    max(finished_at) AS last_success_at,
    max(CASE WHEN rows_written > 0 THEN finished_at END) AS last_new_rows_at,
    round(
        CAST(date_diff('second', max(CASE WHEN rows_written > 0 THEN finished_at END), CAST(current_timestamp AS timestamp)) AS double)
        / 3600,
        2
    ) AS hours_since_new_rows
FROM ops.job_table_runs
WHERE job_status = 'succeeded'
GROUP BY layer, table_name
ORDER BY layer, table_name
