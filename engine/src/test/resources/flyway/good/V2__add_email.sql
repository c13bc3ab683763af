alter table customer add column email text;
