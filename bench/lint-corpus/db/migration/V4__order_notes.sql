SET lock_timeout = '3s';
-- several sub-commands in one statement: each is checked on its own
ALTER TABLE "order"
    ADD COLUMN note text,
    ADD COLUMN gift boolean DEFAULT false,
    ALTER COLUMN total_cents SET DEFAULT 0,
    ADD CONSTRAINT order_note_length CHECK (length(note) < 2000) NOT VALID,
    ADD CONSTRAINT order_total_positive CHECK (total_cents >= 0) NOT VALID;
