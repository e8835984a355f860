-- title: Drivers: deliveries, lateness and speed
-- description: Per driver over the period: deliveries, late share, average drive and wait-for-driver minutes, minutes per km and complaints.
-- section: Where do peak-hour delays come from?
-- chart: scatter x=avg_wait_for_driver_min y=late_share text=driver_id size=deliveries yformat=.0% xtitle="average wait for the driver (min)" ytitle="late share" order=80
SELECT
    driver_id,
    max_by(shift, order_date) AS shift,
    max_by(vehicle, order_date) AS vehicle,
    sum(deliveries) AS deliveries,
    sum(late_deliveries) AS late_deliveries,
    round(CAST(sum(late_deliveries) AS double) / sum(deliveries), 4) AS late_share,
    round(sum(avg_drive_min * deliveries) / sum(deliveries), 2) AS avg_drive_min,
    round(sum(avg_wait_for_driver_min * deliveries) / sum(deliveries), 2) AS avg_wait_for_driver_min,
    sum(complaints) AS complaints
FROM driver_performance
GROUP BY driver_id
ORDER BY late_share DESC, deliveries DESC, driver_id
