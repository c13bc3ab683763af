CREATE UNIQUE INDEX CONCURRENTLY customer_email_lower_idx ON customer (lower(email::text));
