CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), placed timestamptz DEFAULT now());
INSERT INTO orders (id, customer, amount) SELECT g, 'customer ' || g, g * 1.25 FROM generate_series(1, 1000) g;
