-- Delivered orders per local date and hour of placing: lateness and exact percentiles of total minutes.
SELECT
    order_date,
    order_hour,
    weekday,
    count(1) AS orders,
    count(CASE WHEN is_late THEN 1 END) AS late_orders,
    round(count(CASE WHEN is_late THEN 1 END) / count(1), 6) AS late_share,
    round(percentile(total_min, 0.5), 6) AS p50_total_min,
    round(percentile(total_min, 0.9), 6) AS p90_total_min,
    round(avg(minutes_late), 6) AS avg_minutes_late
FROM fact_deliveries
GROUP BY order_date, order_hour, weekday
