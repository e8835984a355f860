-- Whether customers come back within 30 days after a late or an on-time delivery: per delivered order,
-- did its customer place another order (any status) in the 30 days after it?
WITH flagged AS (
    SELECT
        f.order_id,
        f.order_date,
        f.customer_id,
        f.is_late,
        count(o.placed_at) > 0 AS reordered
    FROM fact_deliveries AS f
    LEFT JOIN orders AS o
        ON o.customer_id = f.customer_id
        AND o.placed_at > f.placed_at
        AND o.placed_at <= f.placed_at + INTERVAL 30 DAYS
    WHERE f.is_late IS NOT NULL
    GROUP BY f.order_id, f.order_date, f.customer_id, f.is_late
),
experienced AS (
    SELECT *, CASE WHEN is_late THEN 'late' ELSE 'on_time' END AS experience
    FROM flagged
)
SELECT
    order_date,
    experience,
    count(1) AS orders,
    count(DISTINCT customer_id) AS customers,
    count(DISTINCT CASE WHEN reordered THEN customer_id END) AS reordered_within_30d,
    round(count(DISTINCT CASE WHEN reordered THEN customer_id END) / count(DISTINCT customer_id), 6) AS repeat_rate
FROM experienced
GROUP BY order_date, experience
