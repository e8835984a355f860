-- title: Rules that fail most this month
-- description: Row rules by the rows that broke them in every job run since the first of this month (UTC), with severity and the share of checked rows; rows of a failed run are checked again when it is rerun, so they count again.
-- section: Data quality
-- chart: bar x=rule_label y=rows_failed orient=h ytitle="rows that broke the rule" order=30
SELECT
    table_name || '.' || rule AS rule_label,
    table_name,
    rule,
    severity,
    sum(rows_failed) AS rows_failed,
    sum(rows_checked) AS rows_checked,
    round(CAST(sum(rows_failed) AS double) / nullif(sum(rows_checked), 0), 4) AS failure_share,
    count(DISTINCT run_id) AS runs
FROM ops.job_rule_runs
WHERE run_date >= date_format(current_date, '%Y-%m-01')
GROUP BY table_name, rule, severity
HAVING sum(rows_failed) > 0
ORDER BY sum(rows_failed) DESC, table_name, rule
