-- title: Load-shedding impact on the oven and on lateness
-- description: Orders whose oven stage overlapped a load-shedding window against the rest: oven minutes, total minutes and late share.
-- section: Where do peak-hour delays come from?
-- chart: bar x=during_load_shedding y=avg_oven_min,avg_total_min xtitle="oven stage overlapped load-shedding" ytitle="minutes per order" order=40
SELECT
    during_load_shedding,
    count(*) AS orders,
    round(CAST(count_if(is_late) AS double) / count(*), 4) AS late_share,
    round(avg(oven_min), 2) AS avg_oven_min,
    round(avg(total_min), 2) AS avg_total_min,
    round(avg(minutes_late), 2) AS avg_minutes_late
FROM fact_deliveries
GROUP BY during_load_shedding
ORDER BY during_load_shedding DESC
