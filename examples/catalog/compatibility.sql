-- The statements this version of the catalog service runs, written as its code runs them. Check.java runs each in a
-- savepoint of one transaction that it rolls back, so nothing is kept. Keep it next to the code: a query added to the
-- code belongs here too (or generate it from the code's repository layer, or record it in a test).
select sku, name, price_cents, category from product order by sku limit 1;
select sku, name, price_cents from product where category = 'books' order by name limit 20;
insert into product (sku, name, price_cents) values ('compatibility-check', 'Compatibility check', 100);
update product set price_cents = price_cents + 1 where sku = 'compatibility-check';
delete from product where sku = 'compatibility-check';
