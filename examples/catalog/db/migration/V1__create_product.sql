create table product (
    sku text primary key,
    name text not null,
    price_cents integer not null check (price_cents >= 0)
);
