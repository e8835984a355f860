-- title: Menu items that slow the kitchen
-- description: Per menu item: orders containing it, their average prep minutes and how much that exceeds the average prep of all orders.
-- section: Where do peak-hour delays come from?
-- chart: bar x=item_name y=excess_prep_min orient=h ytitle="prep minutes above the average order" order=90
WITH overall AS (
    SELECT avg(prep_min) AS avg_prep_min FROM fact_deliveries
)
SELECT
    m.item_id,
    max(m.item_name) AS item_name,
    max(m.category) AS category,
    max(m.base_prep_minutes) AS base_prep_minutes,
    sum(m.orders_with_item) AS orders_with_item,
    sum(m.qty) AS qty,
    round(sum(m.prep_min_sum) / sum(m.orders_with_item), 2) AS avg_prep_min,
    round(sum(m.prep_min_sum) / sum(m.orders_with_item) - max(o.avg_prep_min), 2) AS excess_prep_min
FROM menu_prep_impact AS m
CROSS JOIN overall AS o
GROUP BY m.item_id
ORDER BY sum(m.prep_min_sum) / sum(m.orders_with_item) DESC, m.item_id
