-- title: Which stage makes peak-hour orders late
-- description: At peak hours, each stage's average minutes in late orders minus in on-time orders, and its share of the total excess.
-- section: Where do peak-hour delays come from?
-- chart: bar x=stage y=excess_min ytitle="extra minutes in late orders" order=60
WITH stages AS (
    SELECT
        a.stage,
        sum(a.late_orders) AS late_orders,
        sum(a.orders - a.late_orders) AS on_time_orders,
        sum(a.stage_min_sum_late) / nullif(sum(a.late_orders), 0) AS avg_min_late,
        sum(a.stage_min_sum_on_time) / nullif(sum(a.orders - a.late_orders), 0) AS avg_min_on_time
    FROM lateness_stage_attribution AS a
    JOIN v_peak_hours AS p ON a.order_hour = p.order_hour
    GROUP BY a.stage
)
SELECT
    stage,
    late_orders,
    on_time_orders,
    round(avg_min_late, 2) AS avg_min_late,
    round(avg_min_on_time, 2) AS avg_min_on_time,
    round(avg_min_late - avg_min_on_time, 2) AS excess_min,
    round((avg_min_late - avg_min_on_time) / nullif(sum(avg_min_late - avg_min_on_time) OVER (), 0), 4)
        AS share_of_excess
FROM stages
ORDER BY avg_min_late - avg_min_on_time DESC, stage
