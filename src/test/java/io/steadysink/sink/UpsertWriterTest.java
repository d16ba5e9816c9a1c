package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.LocalPostgres;

class UpsertWriterTest {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private String table;
    private PostgresSink sink;

    @BeforeEach
    void createTable() {
        table = "upsert_unit_" + TABLES.incrementAndGet();
        LocalPostgres.migrate(SinkMode.UPSERT, table);
        sink = new PostgresSink(LocalPostgres.dataSource(), new UpsertWriter(TableName.of(table)),
                Duration.ofSeconds(30));
    }

    @Test
    void keepsNewestWritePerKeyWhenAnOlderBatchIsAppliedAfterANewerOne() throws Exception {
        List<SinkRecord> older = new ArrayList<>();
        List<SinkRecord> newer = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            older.add(record(0, k, "k" + k, "{\"v\":\"old\"}", 1000 + k));
            newer.add(record(0, 100 + k, "k" + k, "{\"v\":\"new\"}", 2000 + k));
        }

        assertThat(sink.write(newer)).isEqualTo(20);
        assertThat(sink.write(older)).as("stale writes are skipped").isZero();

        Map<String, String> rows = rows();
        assertThat(rows).hasSize(20);
        assertThat(rows.values()).allMatch(row -> row.startsWith("{\"v\": \"new\"}|false|0|1"));
    }

    @Test
    void tombstoneMarksRowDeletedAndAReplayedOlderUpdateDoesNotResurrectIt() throws Exception {
        sink.write(List.of(record(0, 1, "order-1", "{\"state\":\"created\"}", 10),
                record(0, 2, "order-1", "{\"state\":\"paid\"}", 20)));
        sink.write(List.of(record(0, 3, "order-1", null, 30)));
        assertThat(rows()).containsEntry("order-1", "null|true|0|3");

        assertThat(sink.write(List.of(record(0, 2, "order-1", "{\"state\":\"paid\"}", 20)))).isZero();
        assertThat(rows()).containsEntry("order-1", "null|true|0|3");

        sink.write(List.of(record(0, 4, "order-1", "{\"state\":\"recreated\"}", 40)));
        assertThat(rows()).containsEntry("order-1", "{\"state\": \"recreated\"}|false|0|4");
    }

    @Test
    void keepsHighestOffsetWhenOneBatchHoldsSeveralWritesOfAKey() throws Exception {
        sink.write(List.of(record(1, 7, "a", "{\"n\":7}", 70), record(1, 9, "a", "{\"n\":9}", 60),
                record(1, 8, "a", "{\"n\":8}", 80)));

        assertThat(rows()).containsExactlyEntriesOf(Map.of("a", "{\"n\": 9}|false|1|9"));
    }

    @Test
    void writeFromAnotherPartitionAppliesOnlyWhenItsEventTimeIsLater() throws Exception {
        sink.write(List.of(record(0, 50, "moved", "{\"from\":0}", 5_000)));

        sink.write(List.of(record(1, 1, "moved", "{\"from\":\"earlier\"}", 4_000)));
        assertThat(rows()).containsEntry("moved", "{\"from\": 0}|false|0|50");

        sink.write(List.of(record(1, 2, "moved", "{\"from\":1}", 6_000)));
        assertThat(rows()).containsEntry("moved", "{\"from\": 1}|false|1|2");
    }

    @Test
    void recordWithoutKeyIsRejectedAndNothingOfItsBatchIsWritten() {
        List<SinkRecord> batch = List.of(record(0, 1, "a", "{}", 1), record(0, 2, null, "{}", 2));

        assertThatThrownBy(() -> sink.write(batch)).isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("no key")
                .hasMessageContaining("state-0@2");
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isZero();
    }

    /** key → payload|deleted|partition|offset */
    private Map<String, String> rows() throws SQLException {
        Map<String, String> rows = new LinkedHashMap<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT key, payload::text, deleted, kafka_partition,"
                        + " kafka_offset FROM " + table + " ORDER BY key")) {
            while (result.next()) {
                rows.put(result.getString(1), result.getString(2) + "|" + result.getBoolean(3) + "|"
                        + result.getInt(4) + "|" + result.getLong(5));
            }
        }
        return rows;
    }

    private static SinkRecord record(int partition, long offset, String key, String value, long timestamp) {
        return new SinkRecord("state", partition, offset, key == null ? null : key.getBytes(UTF_8),
                value == null ? null : value.getBytes(UTF_8), List.of(), timestamp);
    }
}
