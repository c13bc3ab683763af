SET lock_timeout = '3s';
ALTER TABLE "order" ENABLE ROW LEVEL SECURITY;
CREATE POLICY order_owner ON "order" USING (customer_id = current_setting('app.customer_id')::bigint);
