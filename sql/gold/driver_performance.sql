-- Deliveries per local order date and driver, with the driver's shift and vehicle as they were at
-- delivery time (drivers keeps its history: the version valid then is joined, not today's record).
WITH deliveries AS (
    SELECT *, coalesce(delivered_at, departed_at, placed_at) AS delivery_time
    FROM fact_deliveries
    WHERE driver_id IS NOT NULL
)
SELECT /*+ BROADCAST(d) */
    f.order_date,
    f.driver_id,
    d.shift,
    d.vehicle,
    count(1) AS deliveries,
    count(CASE WHEN f.is_late THEN 1 END) AS late_deliveries,
    round(avg(f.drive_min), 6) AS avg_drive_min,
    round(avg(f.wait_for_driver_min), 6) AS avg_wait_for_driver_min,
    round(sum(f.drive_min) / sum(CASE WHEN f.drive_min IS NOT NULL THEN f.distance_km END), 6) AS avg_min_per_km,
    count(CASE WHEN f.has_complaint THEN 1 END) AS complaints
FROM deliveries AS f
LEFT JOIN drivers AS d
    ON d.driver_id = f.driver_id
    AND (d.valid_from IS NULL OR d.valid_from <= f.delivery_time)
    AND (d.valid_to IS NULL OR f.delivery_time < d.valid_to)
GROUP BY f.order_date, f.driver_id, d.shift, d.vehicle
