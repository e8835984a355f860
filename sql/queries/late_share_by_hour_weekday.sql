-- title: Late share and p90 delivery time by weekday and hour
-- description: For each weekday and local hour: delivered orders, the share delivered late and the 90th-percentile total minutes (nearest rank).
-- section: Where do peak-hour delays come from?
-- chart: heatmap x=order_hour y=weekday z=late_share zformat=.0% xtitle="local hour" ztitle="late share" order=10
WITH ranked AS (
    SELECT
        weekday,
        order_hour,
        total_min,
        is_late,
        row_number() OVER (PARTITION BY weekday, order_hour ORDER BY total_min) AS position,
        count(*) OVER (PARTITION BY weekday, order_hour) AS orders_in_slot
    FROM fact_deliveries
)
SELECT
    weekday,
    order_hour,
    count(*) AS orders,
    count_if(is_late) AS late_orders,
    round(CAST(count_if(is_late) AS double) / count(*), 4) AS late_share,
    min(CASE WHEN position >= ceiling(0.9 * orders_in_slot) THEN total_min END) AS p90_total_min
FROM ranked
GROUP BY weekday, order_hour
ORDER BY strpos('MonTueWedThuFriSatSun', weekday), order_hour
