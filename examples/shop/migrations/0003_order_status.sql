-- expand only: a nullable column with a default, so the version still serving traffic keeps working
alter table customer_order add column status text default 'new';
