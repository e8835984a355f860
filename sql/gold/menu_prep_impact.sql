-- Per local order date and menu item: how much prep time the delivered orders containing it took, with
-- the item's name, category and standard prep time as the menu had them when the order was placed
-- (menu keeps its history: the version valid then is joined, not today's record).
WITH per_order_item AS (
    SELECT order_id, item_id, sum(qty) AS qty
    FROM order_items
    GROUP BY order_id, item_id
)
SELECT /*+ BROADCAST(m) */
    f.order_date,
    l.item_id,
    m.name AS item_name,
    m.category,
    m.base_prep_minutes,
    count(1) AS orders_with_item,
    CAST(sum(l.qty) AS BIGINT) AS qty,
    round(avg(f.prep_min), 6) AS avg_prep_min,
    round(coalesce(sum(f.prep_min), CAST(0 AS DOUBLE)), 6) AS prep_min_sum
FROM fact_deliveries AS f
JOIN per_order_item AS l ON l.order_id = f.order_id
LEFT JOIN menu AS m
    ON m.item_id = l.item_id
    AND (m.valid_from IS NULL OR m.valid_from <= f.placed_at)
    AND (m.valid_to IS NULL OR f.placed_at < m.valid_to)
GROUP BY f.order_date, l.item_id, m.name, m.category, m.base_prep_minutes
