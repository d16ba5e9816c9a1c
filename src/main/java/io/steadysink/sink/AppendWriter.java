package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Append mode: COPY the batch into a session-local staging table, then insert it into the event
 * log in primary-key order, skipping coordinates already present (a replay).
 */
public final class AppendWriter implements BatchWriter {

    private static final String COLUMNS = "kafka_topic, kafka_partition, kafka_offset, kafka_key, payload, headers, event_time";

    private final StagedMerge staged;

    public AppendWriter(TableName table) {
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
                    .number(record.offset())
                    .text(record.keyText())
                    .text(record.valueText())
                    .text(HeadersJson.of(record.headers()))
                    .timestamp(record.eventTime())
                    .endRow();
        }
        return staged.run(connection, rows);
    }
}
