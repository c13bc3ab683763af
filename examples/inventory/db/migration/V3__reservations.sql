create table reservation (
    id bigserial primary key,
    sku text not null references stock(sku),
    quantity integer not null check (quantity > 0),
    expires_at timestamptz not null
);
create index reservation_expires_at on reservation (expires_at);
