CREATE TABLE event (
    id       bigint GENERATED ALWAYS AS IDENTITY,
    kind     text NOT NULL,
    payload  jsonb,
    happened date NOT NULL
) PARTITION BY RANGE (happened);

CREATE TABLE event_2026 PARTITION OF event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE event_2027 PARTITION OF event FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX event_kind_idx ON event (kind, happened);
