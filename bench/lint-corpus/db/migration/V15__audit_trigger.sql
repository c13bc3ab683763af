CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    table_name text NOT NULL,
    action     text NOT NULL,
    row_data   jsonb,
    at         timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE OR REPLACE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO audit_log (table_name, action, row_data)
    VALUES (TG_TABLE_NAME, TG_OP, CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END);
    RETURN NULL;
END
$fn$;

SET lock_timeout = '2s';
DROP TRIGGER IF EXISTS order_audit ON "order";
CREATE TRIGGER order_audit AFTER INSERT OR UPDATE OF status OR DELETE ON "order"
    FOR EACH ROW EXECUTE FUNCTION audit();
