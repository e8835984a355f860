-- title: Peak hours
-- description: Local hours whose delivered orders over the whole period reach at least 80% of the busiest hour's.
CREATE OR REPLACE VIEW v_peak_hours AS
WITH by_hour AS (
    SELECT order_hour, sum(orders) AS orders
    FROM delivery_performance_hourly
    GROUP BY order_hour
)
SELECT order_hour, orders
FROM by_hour
WHERE orders >= 0.8 * (SELECT max(orders) FROM by_hour)
