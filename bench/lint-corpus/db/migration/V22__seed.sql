INSERT INTO product (sku, name, price_cents, attributes) VALUES
    ('MUG-01', 'Mug; blue', 1200, '{"color": "blue", "size": "m"}'),
    ('MUG-02', E'Mug\'s red twin', 1250, '{"color": "red"}'),
    ('TEE-01', 'T-shirt /* not a comment */', 1900, '{}')
ON CONFLICT (sku) DO NOTHING;
UPDATE product SET attributes = attributes || '{"seeded": true}'::jsonb WHERE sku LIKE 'MUG-%';
