SET lock_timeout = '3s';
UPDATE customer SET phone = '' WHERE phone IS NULL;
ALTER TABLE customer ADD CONSTRAINT customer_phone_not_null CHECK (phone IS NOT NULL) NOT VALID;
