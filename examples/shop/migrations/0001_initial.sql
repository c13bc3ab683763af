create table product (
    id bigserial primary key,
    sku text not null unique,
    name text not null,
    price_cents integer not null check (price_cents >= 0)
);
