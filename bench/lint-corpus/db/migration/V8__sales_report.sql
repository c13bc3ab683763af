-- a reporting table built from the orders, and a materialized view refreshed by a job
CREATE TABLE daily_sales AS
SELECT date_trunc('day', placed_at) AS day, count(*) AS orders, sum(total_cents) AS total_cents
FROM "order"
WHERE status IN ('paid', 'shipped')
GROUP BY 1;
CREATE UNIQUE INDEX daily_sales_day_idx ON daily_sales (day);

CREATE MATERIALIZED VIEW product_popularity AS
WITH lines AS (
    SELECT product_id, sum(quantity) AS sold FROM order_line GROUP BY product_id
)
SELECT p.id, p.title, coalesce(l.sold, 0) AS sold, rank() OVER (ORDER BY coalesce(l.sold, 0) DESC) AS place
FROM product p LEFT JOIN lines l ON l.product_id = p.id;
CREATE UNIQUE INDEX product_popularity_id_idx ON product_popularity (id);
