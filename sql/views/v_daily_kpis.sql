-- title: Daily KPIs
-- description: One row per local order date: deliveries, lateness, minutes, complaints, rating and revenue.
CREATE OR REPLACE VIEW v_daily_kpis AS
SELECT
    CAST(order_date AS date) AS order_date,
    count(*) AS orders,
    count_if(is_late) AS late_orders,
    round(CAST(count_if(is_late) AS double) / count(*), 4) AS late_share,
    round(avg(total_min), 2) AS avg_total_min,
    round(avg(minutes_late), 2) AS avg_minutes_late,
    count_if(has_complaint) AS orders_with_complaint,
    round(avg(CAST(rating_stars AS double)), 2) AS avg_stars,
    sum(total_zar) AS revenue_zar
FROM fact_deliveries
GROUP BY CAST(order_date AS date)
