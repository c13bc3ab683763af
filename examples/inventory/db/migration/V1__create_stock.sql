create table stock (
    sku text primary key,
    on_hand integer not null default 0 check (on_hand >= 0)
);
