-- title: Zones: distance, drive time and lateness
-- description: Per delivery zone: delivered orders, late share, average distance, drive minutes, wait for a driver and minutes late.
-- section: Where do peak-hour delays come from?
-- chart: bar x=zone y=late_share orient=h yformat=.0% ytitle="late share" order=30
SELECT
    zone,
    count(*) AS orders,
    round(CAST(count_if(is_late) AS double) / count(*), 4) AS late_share,
    round(avg(distance_km), 2) AS avg_distance_km,
    round(avg(drive_min), 2) AS avg_drive_min,
    round(avg(wait_for_driver_min), 2) AS avg_wait_for_driver_min,
    round(sum(drive_min) / nullif(sum(distance_km), 0), 2) AS min_per_km,
    round(avg(minutes_late), 2) AS avg_minutes_late
FROM fact_deliveries
GROUP BY zone
ORDER BY late_share DESC, zone
