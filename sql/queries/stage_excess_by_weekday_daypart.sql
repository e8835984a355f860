-- title: The stage behind late orders, per weekday and meal peak
-- description: For each weekday's lunch (11-14h) and dinner (17-21h) peak, the stage with the largest excess minutes in late orders and its share of the excess.
-- section: Where do peak-hour delays come from?
-- chart: heatmap x=daypart y=weekday z=excess_min text=top_stage ztitle="excess minutes" order=70
WITH stages AS (
    SELECT
        weekday,
        CASE WHEN order_hour BETWEEN 11 AND 14 THEN 'lunch' ELSE 'dinner' END AS daypart,
        stage,
        sum(late_orders) AS late_orders,
        sum(orders - late_orders) AS on_time_orders,
        sum(stage_min_sum_late) / nullif(sum(late_orders), 0) AS avg_min_late,
        sum(stage_min_sum_on_time) / nullif(sum(orders - late_orders), 0) AS avg_min_on_time
    FROM lateness_stage_attribution
    WHERE order_hour BETWEEN 11 AND 14 OR order_hour BETWEEN 17 AND 21
    GROUP BY 1, 2, 3
    HAVING sum(late_orders) > 0 AND sum(orders - late_orders) > 0
),
ranked AS (
    SELECT
        *,
        avg_min_late - avg_min_on_time AS excess_min,
        sum(avg_min_late - avg_min_on_time) OVER (PARTITION BY weekday, daypart) AS total_excess_min,
        row_number() OVER (PARTITION BY weekday, daypart ORDER BY avg_min_late - avg_min_on_time DESC, stage)
            AS stage_rank
    FROM stages
)
SELECT
    weekday,
    daypart,
    stage AS top_stage,
    late_orders,
    on_time_orders,
    round(avg_min_late, 2) AS avg_min_late,
    round(avg_min_on_time, 2) AS avg_min_on_time,
    round(excess_min, 2) AS excess_min,
    round(excess_min / nullif(total_excess_min, 0), 4) AS share_of_excess
FROM ranked
WHERE stage_rank = 1
ORDER BY strpos('MonTueWedThuFriSatSun', weekday), daypart DESC
