-- The statements this version of the catalog service runs (3.1.0: every product it inserts has a category).
select sku, name, price_cents, category from product order by sku limit 1;
select sku, name, price_cents from product where category = 'books' order by name limit 20;
insert into product (sku, name, price_cents, category) values ('compatibility-check', 'Compatibility check', 100, 'books');
update product set price_cents = price_cents + 1 where sku = 'compatibility-check';
delete from product where sku = 'compatibility-check';
