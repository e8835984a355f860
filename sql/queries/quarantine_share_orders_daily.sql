-- title: Quarantine share of orders per day (last 90 days)
-- description: Per run date (UTC) of the last 90 days: order rows the silver job read in succeeded runs, how many it quarantined and the share quarantined.
-- section: Data quality
-- chart: line x=run_date y=quarantine_share yformat=.1% xtitle="run date (UTC)" ytitle="orders quarantined" order=10
SELECT
    CAST(run_date AS date) AS run_date,
    sum(rows_read) AS rows_read,
    sum(rows_quarantined) AS rows_quarantined,
    round(CAST(sum(rows_quarantined) AS double) / sum(rows_read), 4) AS quarantine_share
FROM ops.job_table_runs
WHERE layer = 'silver'
    AND table_name = 'orders'
    AND job_status = 'succeeded'
    AND rows_read > 0
    AND run_date >= CAST(date_add('day', -89, current_date) AS varchar)
GROUP BY run_date
ORDER BY run_date
