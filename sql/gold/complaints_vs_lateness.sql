-- Complaints and ratings of delivered orders by how late they were, per local order date.
WITH bucketed AS (
    SELECT
        order_date,
        CASE
            WHEN minutes_late <= 0 THEN 'on_time'
            WHEN minutes_late <= 10 THEN 'late_0_10'
            WHEN minutes_late <= 20 THEN 'late_10_20'
            ELSE 'late_20_plus'
        END AS lateness_bucket,
        has_complaint,
        rating_stars
    FROM fact_deliveries
    WHERE minutes_late IS NOT NULL
)
SELECT
    order_date,
    lateness_bucket,
    count(1) AS orders,
    count(CASE WHEN has_complaint THEN 1 END) AS complaints,
    round(count(CASE WHEN has_complaint THEN 1 END) / count(1), 6) AS complaint_rate,
    count(rating_stars) AS rated_orders,
    round(avg(rating_stars), 6) AS avg_stars
FROM bucketed
GROUP BY order_date, lateness_bucket
