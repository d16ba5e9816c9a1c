package io.steadysink.sink;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.List;

import io.steadysink.config.TableName;

/**
 * Append mode. The fast path COPYs the batch straight into the event log; the primary key on the
 * Kafka coordinates makes that COPY fail as a whole when any record of the batch is already there
 * (a replay after a crash or rebalance). Only then is the batch staged and inserted in primary-key
 * order, skipping the coordinates already present. Either way each record lands exactly once.
 * Keys and values arrive checked by {@link RecordValidator} and are copied as their Kafka bytes, in
 * PostgreSQL's binary COPY format ({@link CopyBinary}).
 * <p>
 * A replay is the same record again. When the row already at a record's coordinates holds another
 * key, value or timestamp, the coordinates were reused: the topic was deleted and recreated, or the
 * records come from another cluster. Skipping would drop the record silently, so the batch fails
 * with a {@link RecreatedTopicException} instead. Headers are left out of that comparison: a
 * replayed dead letter may carry headers saying where it was replayed from.
 */
public final class AppendWriter implements BatchWriter {

    private static final String COLUMNS = "kafka_topic, kafka_partition, kafka_offset, kafka_key, payload, headers, event_time";

    /** unique_violation: some coordinates of the batch are already in the table. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final TableName table;
    private final StagedMerge staged;
    private final String reused;

    public AppendWriter(TableName table) {
        this.table = table;
        this.staged = new StagedMerge(table,
                "kafka_topic text, kafka_partition integer, kafka_offset bigint, kafka_key text, "
                        + "payload jsonb, headers jsonb, event_time timestamptz",
                COLUMNS,
                "INSERT INTO " + table + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + table.stage()
                        + " ORDER BY kafka_topic, kafka_partition, kafka_offset"
                        + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING");
        this.reused = "SELECT s.kafka_topic, s.kafka_partition, s.kafka_offset FROM " + table.stage() + " s JOIN "
                + table + " t ON t.kafka_topic = s.kafka_topic AND t.kafka_partition = s.kafka_partition"
                + " AND t.kafka_offset = s.kafka_offset WHERE t.kafka_key IS DISTINCT FROM s.kafka_key"
                + " OR t.payload IS DISTINCT FROM s.payload OR t.event_time IS DISTINCT FROM s.event_time"
                + " ORDER BY s.kafka_topic, s.kafka_partition, s.kafka_offset LIMIT 1";
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        CopyBinary rows = new CopyBinary(7, batch.size());
        for (SinkRecord record : batch) {
            rows.row()
                    .text(record.topic())
                    .int4(record.partition())
                    .int8(record.rowOffset())
                    .text(record.key())
                    .jsonb(record.value())
                    .jsonb(HeadersJson.of(record.headers()))
                    .timestamp(record.eventTime());
        }
        Savepoint beforeCopy = connection.setSavepoint();
        try {
            long copied = rows.copyInto(connection, table.toString(), COLUMNS);
            connection.releaseSavepoint(beforeCopy);
            return Math.toIntExact(copied);
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            connection.rollback(beforeCopy);
            return staged.run(connection, rows, this::refuseReusedCoordinates);
        }
    }

    private void refuseReusedCoordinates(Statement statement) throws SQLException {
        try (ResultSet other = statement.executeQuery(reused)) {
            if (other.next()) {
                throw RecreatedTopicException.coordinatesReused(table.toString(), other.getString(1), other.getInt(2),
                        other.getLong(3));
            }
        }
    }
}
