-- backfill in batches so no transaction holds many row locks for long
DO $$
DECLARE
    batch integer := 0;
BEGIN
    LOOP
        UPDATE "order" o SET total_cents = s.total
        FROM (SELECT l.order_id, sum(l.quantity * p.price_cents) AS total
              FROM order_line l JOIN product p ON p.id = l.product_id
              GROUP BY l.order_id) s
        WHERE o.id = s.order_id AND o.total_cents = 0 AND o.id IN (SELECT id FROM "order" WHERE total_cents = 0 LIMIT 1000);
        EXIT WHEN NOT FOUND;
        batch := batch + 1;
        RAISE NOTICE 'batch %', batch;
    END LOOP;
END
$$;
