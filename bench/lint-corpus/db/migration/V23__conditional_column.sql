DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'customer' AND column_name = 'locale') THEN
        ALTER TABLE customer ADD COLUMN locale text DEFAULT 'en';
    END IF;
END $$;
