SET lock_timeout = '3s';
ALTER TABLE "order" VALIDATE CONSTRAINT order_note_length;
ALTER TABLE "order" VALIDATE CONSTRAINT order_total_positive;
