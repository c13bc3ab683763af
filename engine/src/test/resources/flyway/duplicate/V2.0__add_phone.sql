alter table customer add column phone text;
