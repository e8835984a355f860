-- title: Quarantine share per table and day (last 90 days)
-- description: Per table of the jobs that account for every row they read, and per run date (UTC) of the last 90 days: rows read by succeeded runs, rows quarantined and the share quarantined.
-- section: Data quality
-- chart: line x=run_date y=quarantine_share series=table_name yformat=.1% xtitle="run date (UTC)" ytitle="rows quarantined" order=20
SELECT
    CAST(run_date AS date) AS run_date,
    table_name,
    sum(rows_read) AS rows_read,
    sum(rows_quarantined) AS rows_quarantined,
    round(CAST(sum(rows_quarantined) AS double) / sum(rows_read), 4) AS quarantine_share
FROM ops.job_table_runs
WHERE conservation_checked
    AND job_status = 'succeeded'
    AND rows_read > 0
    AND run_date >= CAST(date_add('day', -89, current_date) AS varchar)
GROUP BY run_date, table_name
ORDER BY run_date, table_name
