SET lock_timeout = '3s';
ALTER TABLE order_line ADD COLUMN line_no integer GENERATED ALWAYS AS IDENTITY;
ALTER TABLE product ADD COLUMN price_eur numeric GENERATED ALWAYS AS (price_cents / 100.0) STORED;
ALTER TABLE product ADD COLUMN token text NOT NULL DEFAULT md5(random()::text);
