-- The shop's first schema: extensions, enums, tables with foreign keys, a trigger that keeps updated_at current.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');

CREATE TABLE customer (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       citext      NOT NULL UNIQUE,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    fax         text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE product (
    id          serial PRIMARY KEY,
    sku         varchar(32) NOT NULL,
    title       text NOT NULL,
    price_cents integer NOT NULL CHECK (price_cents >= 0),
    attributes  jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT product_sku_key UNIQUE (sku)
);

CREATE TABLE "order" (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id bigint NOT NULL REFERENCES customer (id) ON DELETE RESTRICT,
    status      order_status NOT NULL DEFAULT 'pending',
    total_cents integer NOT NULL DEFAULT 0,
    placed_at   timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE order_line (
    order_id    uuid    NOT NULL,
    product_id  integer NOT NULL,
    quantity    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, product_id),
    FOREIGN KEY (order_id) REFERENCES "order" (id) ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (product_id) REFERENCES product (id)
);

CREATE INDEX order_customer_idx ON "order" (customer_id, placed_at DESC);
CREATE INDEX product_attributes_idx ON product USING gin (attributes jsonb_path_ops);

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();  -- a semicolon inside the body does not end the statement
    RETURN NEW;
END;
$$;

CREATE TRIGGER customer_touch BEFORE UPDATE ON customer
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

COMMENT ON TABLE "order" IS 'one checkout; see order_line';
GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC;
