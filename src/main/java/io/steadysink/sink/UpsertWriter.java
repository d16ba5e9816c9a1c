package io.steadysink.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.TableName;

/**
 * Upsert mode: keep the newest write per key. The batch is reduced to its newest record per key and
 * merged in the keys' byte order (so concurrent batches lock rows in one order) by one statement that reads
 * the rows from arrays, one per column, sent as parameters: no staging table to create, fill and
 * empty at commit, one round trip for the whole batch. The guard applies a write only when its
 * coordinates come after those of the row's current source in {@link SinkRecord#WRITE_ORDER}
 * (topic, partition, offset): the reduction and the SQL use the same total order, so the table ends
 * the same whatever the batching, the order of the batches or the replays. A tombstone keeps the
 * row with {@code deleted = true} and its coordinates, so an older replayed update cannot bring it
 * back.
 */
public final class UpsertWriter implements BatchWriter {

    private static final String COLUMNS = "key, payload, deleted, kafka_topic, kafka_partition, kafka_offset, event_time";

    private final String merge;

    public UpsertWriter(TableName table) {
        // keys and values travel as bytea (their Kafka bytes, checked UTF-8 by RecordValidator);
        // event times as text PostgreSQL reads (CopyText#timestampText)
        this.merge = "INSERT INTO " + table + " AS cur (" + COLUMNS + ")"
                + " SELECT convert_from(k, 'UTF8'), convert_from(v, 'UTF8')::jsonb, d, t, p, o, e::timestamptz"
                + " FROM unnest(?::bytea[], ?::bytea[], ?::boolean[], ?::text[], ?::integer[], ?::bigint[], ?::text[])"
                + " AS s(k, v, d, t, p, o, e) ORDER BY convert_from(k, 'UTF8') COLLATE \"C\""
                + " ON CONFLICT (key) DO UPDATE SET payload = EXCLUDED.payload, deleted = EXCLUDED.deleted,"
                + " kafka_topic = EXCLUDED.kafka_topic, kafka_partition = EXCLUDED.kafka_partition,"
                + " kafka_offset = EXCLUDED.kafka_offset, event_time = EXCLUDED.event_time, updated_at = now()"
                + " WHERE " + WriteOrderSql.after("EXCLUDED", RouteSpec.COORDINATE_COLUMNS, "cur",
                        RouteSpec.COORDINATE_COLUMNS);
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        Map<String, SinkRecord> newest = newestPerKey(batch);
        if (newest.isEmpty()) {
            return 0;
        }
        int rows = newest.size();
        byte[][] keys = new byte[rows][];
        byte[][] values = new byte[rows][];
        Boolean[] deleted = new Boolean[rows];
        String[] topics = new String[rows];
        Integer[] partitions = new Integer[rows];
        Long[] offsets = new Long[rows];
        String[] eventTimes = new String[rows];
        int i = 0;
        for (SinkRecord record : newest.values()) {
            keys[i] = record.key(); // the bytes of its key in newest, checked UTF-8 by keyText()
            values[i] = record.value();
            deleted[i] = record.isTombstone();
            topics[i] = record.topic();
            partitions[i] = record.partition();
            offsets[i] = record.rowOffset();
            eventTimes[i] = CopyText.timestampText(record.eventTime());
            i++;
        }
        try (PreparedStatement statement = connection.prepareStatement(merge)) {
            statement.setArray(1, connection.createArrayOf("bytea", keys));
            statement.setArray(2, connection.createArrayOf("bytea", values));
            statement.setArray(3, connection.createArrayOf("boolean", deleted));
            statement.setArray(4, connection.createArrayOf("text", topics));
            statement.setArray(5, connection.createArrayOf("integer", partitions));
            statement.setArray(6, connection.createArrayOf("bigint", offsets));
            statement.setArray(7, connection.createArrayOf("text", eventTimes));
            return statement.executeUpdate();
        }
    }

    /** One record per key: PostgreSQL cannot change the same row twice in one INSERT. */
    static Map<String, SinkRecord> newestPerKey(List<SinkRecord> batch) {
        Map<String, SinkRecord> newest = new HashMap<>(batch.size() * 2);
        for (SinkRecord record : batch) {
            String key = record.keyText();
            if (key == null) {
                throw new InvalidRecordException(record, InvalidRecordException.Defect.MISSING_KEY,
                        "the key is null");
            }
            newest.merge(key, record, (current, candidate) -> candidate.isNewerThan(current) ? candidate : current);
        }
        return newest;
    }
}
