-- runs outside a transaction (V3__index_phone.sql.conf: executeInTransaction=false)
CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_phone_idx ON customer (phone) WHERE phone IS NOT NULL;
