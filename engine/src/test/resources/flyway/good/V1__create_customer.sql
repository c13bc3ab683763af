create table customer (id bigserial primary key, name text not null);
