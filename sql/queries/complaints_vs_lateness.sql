-- title: Complaints and ratings by how late the order was
-- description: Per lateness bucket over the period: orders, the share with a complaint and the average rating.
-- section: Where do peak-hour delays come from?
-- chart: bar x=lateness_bucket y=complaint_rate yformat=.0% ytitle="orders with a complaint" order=100
SELECT
    lateness_bucket,
    sum(orders) AS orders,
    sum(complaints) AS complaints,
    round(CAST(sum(complaints) AS double) / sum(orders), 4) AS complaint_rate,
    sum(rated_orders) AS rated_orders,
    round(sum(avg_stars * rated_orders) / nullif(sum(rated_orders), 0), 2) AS avg_stars
FROM complaints_vs_lateness
GROUP BY lateness_bucket
ORDER BY CASE lateness_bucket
    WHEN 'on_time' THEN 1 WHEN 'late_0_10' THEN 2 WHEN 'late_10_20' THEN 3 ELSE 4 END
