SET lock_timeout = '3s';
ALTER TABLE order_line ALTER COLUMN quantity TYPE bigint USING quantity::bigint;
ALTER TABLE product ALTER COLUMN sku SET DATA TYPE varchar(64);
