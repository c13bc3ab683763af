SET lock_timeout = '3s';
-- unsafe while the previous version serves: it still selects "title"
ALTER TABLE product RENAME COLUMN title TO name;
