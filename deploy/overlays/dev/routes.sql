-- The tables routes.yaml writes, created once before steady-sink starts with the route file:
--   psql "$DATABASE_URL" -f deploy/overlays/dev/routes.sql
-- README command 1 (the demo) creates them the same way in its local PostgreSQL.
CREATE TYPE order_status AS ENUM ('created', 'paid', 'packed', 'shipped', 'delivered');

-- One row per order, its latest state (route orders: upsert by order_id).
CREATE TABLE orders (
    order_id        uuid PRIMARY KEY,
    customer_id     bigint NOT NULL,
    amount          numeric(12,2) NOT NULL,
    placed_at       timestamptz NOT NULL,
    status          order_status NOT NULL,
    items           integer,
    express         boolean,
    updated_at      timestamptz,
    -- the ordering guard of upsert: the Kafka record each row's newest write came from
    kafka_topic     text,
    kafka_partition integer,
    kafka_offset    bigint
);

-- One row per order event (route order-events: append, identified by the Kafka coordinates).
CREATE TABLE order_events (
    kafka_topic     text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset    bigint NOT NULL,
    order_id        uuid NOT NULL,
    status          order_status,
    event_time      timestamptz NOT NULL,
    payload         jsonb NOT NULL,
    PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)
);

-- One row per order of the Avro topic orders-avro, its latest state (route orders-avro: upsert by
-- order_id; the values are read through the schema registry, typed as the Avro schema types them).
CREATE TABLE orders_avro (
    order_id        uuid PRIMARY KEY,
    customer_id     bigint NOT NULL,
    customer_name   text NOT NULL,
    amount          numeric(12,2) NOT NULL,
    placed_at       timestamptz NOT NULL,
    status          order_status NOT NULL,
    express         boolean NOT NULL,
    note            text,
    updated_at      timestamptz,
    -- the ordering guard of upsert
    kafka_topic     text,
    kafka_partition integer,
    kafka_offset    bigint
);
