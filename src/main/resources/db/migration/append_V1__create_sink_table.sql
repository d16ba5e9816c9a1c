-- Event log: one row per Kafka record; the Kafka coordinates make a replayed record a no-op.
CREATE TABLE IF NOT EXISTS ${table} (
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    kafka_key       text,
    payload         jsonb,
    headers         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    event_time      timestamptz,
    ingested_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)
);
