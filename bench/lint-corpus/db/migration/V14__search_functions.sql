CREATE OR REPLACE FUNCTION product_search(q text, max_rows integer DEFAULT 20)
RETURNS TABLE (id integer, name text, score real)
LANGUAGE sql STABLE PARALLEL SAFE
AS $body$
    SELECT p.id, p.name, ts_rank(to_tsvector('simple', p.name), plainto_tsquery('simple', q)) AS score
    FROM product p
    WHERE to_tsvector('simple', p.name) @@ plainto_tsquery('simple', q)
    ORDER BY score DESC
    LIMIT max_rows;
$body$;

CREATE OR REPLACE FUNCTION cents_to_text(cents integer) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS 'SELECT to_char(cents / 100.0, ''FM999999990.00'')';
