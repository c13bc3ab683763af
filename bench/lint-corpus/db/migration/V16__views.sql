CREATE OR REPLACE VIEW customer_summary AS
WITH orders AS (
    SELECT customer_id, count(*) AS n, max(placed_at) AS last_order
    FROM "order"
    GROUP BY customer_id
)
SELECT c.id, c.email, c.name, coalesce(o.n, 0) AS orders, o.last_order,
       lag(o.last_order) OVER (PARTITION BY c.id ORDER BY o.last_order) AS previous
FROM customer c
LEFT JOIN orders o ON o.customer_id = c.id;
