-- The target tables of the replication demo (-Ddemo.cdc=true): the source's columns and types, plus
-- the Kafka coordinates that the ordering guard keeps.
CREATE SCHEMA replica;
CREATE TABLE replica.customers (id integer PRIMARY KEY, name text NOT NULL, email text,
    kafka_topic text, kafka_partition integer, kafka_offset bigint);
CREATE TABLE replica.orders (id uuid PRIMARY KEY, customer_id integer NOT NULL, amount numeric(12,2) NOT NULL,
    placed_at timestamptz NOT NULL, status text NOT NULL, tags text[],
    kafka_topic text, kafka_partition integer, kafka_offset bigint);
