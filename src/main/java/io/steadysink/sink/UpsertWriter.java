package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.TableName;

/**
 * Upsert mode: keep the newest write per key. The batch is reduced to its newest record per key,
 * COPYed into a staging table and merged in key order (so concurrent batches lock rows in one
 * order). The guard applies a write only when its coordinates come after those of the row's
 * current source in {@link SinkRecord#WRITE_ORDER} (topic, partition, offset): the reduction and
 * the SQL use the same total order, so the table ends the same whatever the batching, the order of
 * the batches or the replays. A tombstone keeps the row with {@code deleted = true} and its
 * coordinates, so an older replayed update cannot bring it back.
 */
public final class UpsertWriter implements BatchWriter {

    private static final String COLUMNS = "key, payload, deleted, kafka_topic, kafka_partition, kafka_offset, event_time";

    private final StagedMerge staged;

    public UpsertWriter(TableName table) {
        this.staged = new StagedMerge(table,
                "key text, payload jsonb, deleted boolean, kafka_topic text, kafka_partition integer, "
                        + "kafka_offset bigint, event_time timestamptz",
                COLUMNS,
                "INSERT INTO " + table + " AS cur (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + table.stage()
                        + " ORDER BY key"
                        + " ON CONFLICT (key) DO UPDATE SET payload = EXCLUDED.payload, deleted = EXCLUDED.deleted,"
                        + " kafka_topic = EXCLUDED.kafka_topic, kafka_partition = EXCLUDED.kafka_partition,"
                        + " kafka_offset = EXCLUDED.kafka_offset, event_time = EXCLUDED.event_time, updated_at = now()"
                        + " WHERE " + WriteOrderSql.after("EXCLUDED", RouteSpec.COORDINATE_COLUMNS, "cur",
                                RouteSpec.COORDINATE_COLUMNS));
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        Map<String, SinkRecord> newest = newestPerKey(batch);
        if (newest.isEmpty()) {
            return 0;
        }
        CopyBinary rows = new CopyBinary(7, newest.size());
        for (Map.Entry<String, SinkRecord> entry : newest.entrySet()) {
            SinkRecord record = entry.getValue();
            rows.row()
                    .text(record.key()) // the bytes of entry.getKey(), checked UTF-8 by keyText()
                    .jsonb(record.value())
                    .bool(record.isTombstone())
                    .text(record.topic())
                    .int4(record.partition())
                    .int8(record.rowOffset())
                    .timestamp(record.eventTime());
        }
        return staged.run(connection, rows);
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
