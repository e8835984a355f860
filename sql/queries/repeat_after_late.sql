-- title: Do customers come back after a late delivery?
-- description: Customers who ordered again within 30 days after a late versus an on-time delivery (counted per customer and order date).
-- section: Where do peak-hour delays come from?
-- chart: bar x=experience y=repeat_rate yformat=.0% ytitle="reordered within 30 days" order=50
SELECT
    experience,
    sum(orders) AS orders,
    sum(customers) AS customer_days,
    sum(reordered_within_30d) AS reordered_within_30d,
    round(CAST(sum(reordered_within_30d) AS double) / nullif(sum(customers), 0), 4) AS repeat_rate
FROM repeat_customers
GROUP BY experience
ORDER BY experience
