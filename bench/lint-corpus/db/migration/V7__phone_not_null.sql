SET lock_timeout = '3s';
ALTER TABLE customer VALIDATE CONSTRAINT customer_phone_not_null;
ALTER TABLE customer ALTER COLUMN phone SET NOT NULL;
ALTER TABLE customer DROP CONSTRAINT customer_phone_not_null;
