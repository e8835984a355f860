-- Stage minutes summed separately over late and on-time orders, per local date, hour and stage: sums
-- (not averages) so any roll-up over hours or days stays exact.
WITH per_stage AS (
    SELECT order_date, order_hour, weekday, is_late, stage, stage_min
    FROM fact_deliveries
    LATERAL VIEW stack(
        5,
        'wait_before_prep', wait_before_prep_min,
        'prep', prep_min,
        'oven', oven_min,
        'wait_for_driver', wait_for_driver_min,
        'drive', drive_min
    ) stages AS stage, stage_min
)
SELECT
    order_date,
    order_hour,
    weekday,
    stage,
    count(1) AS orders,
    count(CASE WHEN is_late THEN 1 END) AS late_orders,
    round(coalesce(sum(CASE WHEN is_late THEN stage_min END), CAST(0 AS DOUBLE)), 6) AS stage_min_sum_late,
    round(coalesce(sum(CASE WHEN NOT is_late THEN stage_min END), CAST(0 AS DOUBLE)), 6) AS stage_min_sum_on_time
FROM per_stage
WHERE stage_min IS NOT NULL AND is_late IS NOT NULL
GROUP BY order_date, order_hour, weekday, stage
