-- Latest state per key. The Kafka coordinates of the last applied write guard against
-- replays and out-of-order batches; a tombstone keeps the row with deleted = true.
CREATE TABLE IF NOT EXISTS ${table} (
    key             text        PRIMARY KEY,
    payload         jsonb,
    deleted         boolean     NOT NULL DEFAULT false,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    event_time      timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
