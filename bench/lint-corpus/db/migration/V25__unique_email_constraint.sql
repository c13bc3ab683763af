SET lock_timeout = '3s';
ALTER TABLE customer ADD CONSTRAINT customer_email_lower_key UNIQUE USING INDEX customer_email_lower_idx;
REINDEX INDEX order_customer_idx;
