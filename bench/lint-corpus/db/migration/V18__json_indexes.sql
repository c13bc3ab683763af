SET lock_timeout = '3s';
-- expression indexes: the ->> operator and casts are part of the expression
CREATE INDEX product_brand_idx ON product ((attributes ->> 'brand'));
CREATE UNIQUE INDEX product_lower_sku_idx ON product (lower(sku::text));
SELECT id FROM product WHERE attributes @> '{"color": "red"}' AND attributes ? 'size';
