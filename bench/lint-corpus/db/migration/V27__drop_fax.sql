SET lock_timeout = '3s';
-- mtd:allow ban-drop-column: v1.3 stopped reading fax
ALTER TABLE customer DROP COLUMN IF EXISTS fax;
DROP TABLE IF EXISTS legacy_coupon;
DROP INDEX IF EXISTS product_attributes_idx;
