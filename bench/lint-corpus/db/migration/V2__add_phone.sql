SET lock_timeout = '5s';
ALTER TABLE customer ADD COLUMN phone text;
ALTER TABLE customer ADD COLUMN marketing_opt_in boolean NOT NULL DEFAULT false;
