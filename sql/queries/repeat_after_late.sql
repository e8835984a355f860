-- title: Do customers come back after a late delivery?
-- description: Customers who ordered again within 30 days after a late versus an on-time delivery (counted per customer and order date).
SELECT
    experience,
    sum(orders) AS orders,
    sum(customers) AS customer_days,
    sum(reordered_within_30d) AS reordered_within_30d,
    round(CAST(sum(reordered_within_30d) AS double) / nullif(sum(customers), 0), 4) AS repeat_rate
FROM repeat_customers
GROUP BY experience
ORDER BY experience
