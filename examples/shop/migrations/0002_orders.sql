create table customer_order (
    id bigserial primary key,
    product_id bigint not null references product(id),
    quantity integer not null check (quantity > 0),
    created_at timestamptz not null default now()
);
