-- The tables the replication demo captures at the source (-Ddemo.cdc=true), with a few rows that
-- reach the target as Debezium's snapshot.
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id integer PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE shop.orders (id uuid PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL,
    placed_at timestamptz NOT NULL, status text NOT NULL, tags text[]);
INSERT INTO shop.customers VALUES (1, 'Ada', 'ada@example.org'), (2, 'Grace', NULL), (3, 'Hedy', 'hedy@example.org');
INSERT INTO shop.orders VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1, 19.99, now(), 'placed', ARRAY['gift']);
