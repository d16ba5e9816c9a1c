-- The Kafka topic ID of each consumed topic when the table first saw it. A topic deleted and
-- recreated under the same name (or found on another cluster) has another ID: its offsets start
-- again at 0, below the offsets of rows already written, and the consumer stops instead of
-- skipping its writes as stale.
CREATE TABLE IF NOT EXISTS ${table}_topics (
    topic      text        PRIMARY KEY,
    topic_id   uuid        NOT NULL,
    first_seen timestamptz NOT NULL DEFAULT now()
);
