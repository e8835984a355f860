-- title: Minutes per stage by hour of the day
-- description: For each local hour: delivered orders and the average minutes an order spent in each stage (late and on-time orders together).
-- section: Where do peak-hour delays come from?
-- chart: bar x=order_hour y=avg_min series=stage stack=true xtitle="local hour" ytitle="minutes per order" order=20
SELECT
    order_hour,
    stage,
    sum(orders) AS orders,
    round((sum(stage_min_sum_late) + sum(stage_min_sum_on_time)) / sum(orders), 2) AS avg_min
FROM lateness_stage_attribution
GROUP BY order_hour, stage
ORDER BY order_hour, CASE stage
    WHEN 'wait_before_prep' THEN 1 WHEN 'prep' THEN 2 WHEN 'oven' THEN 3 WHEN 'wait_for_driver' THEN 4 ELSE 5 END
