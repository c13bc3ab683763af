CREATE SEQUENCE invoice_number_seq START 1000;
SET lock_timeout = '3s';
ALTER TABLE "order" ADD COLUMN invoice_number bigint;
ALTER SEQUENCE invoice_number_seq OWNED BY "order".invoice_number;
SELECT setval('invoice_number_seq', 5000, false);
