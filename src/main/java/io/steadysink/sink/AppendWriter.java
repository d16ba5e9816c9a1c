package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;

/**
 * Append mode. The fast path COPYs the batch straight into the event log; the primary key on the
 * Kafka coordinates makes that COPY fail as a whole when any record of the batch is already there
 * (a replay after a crash or rebalance). Only then is the batch staged and inserted in primary-key
 * order, skipping the coordinates already present. Either way each record lands exactly once.
 * Keys and values arrive checked by {@link RecordValidator} and are copied as their Kafka bytes.
 */
public final class AppendWriter implements BatchWriter {

    private static final String COLUMNS = "kafka_topic, kafka_partition, kafka_offset, kafka_key, payload, headers, event_time";

    /** unique_violation: some coordinates of the batch are already in the table. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final TableName table;
    private final StagedMerge staged;

    public AppendWriter(TableName table) {
        this.table = table;
        this.staged = new StagedMerge(table,
                "kafka_topic text, kafka_partition integer, kafka_offset bigint, kafka_key text, "
                        + "payload jsonb, headers jsonb, event_time timestamptz",
                COLUMNS,
                "INSERT INTO " + table + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + table.stage()
                        + " ORDER BY kafka_topic, kafka_partition, kafka_offset"
                        + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING");
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        CopyText rows = new CopyText(batch.size());
        for (SinkRecord record : batch) {
            rows.text(record.topic())
                    .number(record.partition())
                    .number(record.rowOffset())
                    .utf8(record.key())
                    .utf8(record.value())
                    .text(HeadersJson.of(record.headers()))
                    .timestamp(record.eventTime())
                    .endRow();
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
            return staged.run(connection, rows);
        }
    }
}
