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
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
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
    void writeFromThePartitionThatSortsLastWinsWhateverItsEventTime() throws Exception {
        sink.write(List.of(record(0, 50, "moved", "{\"from\":0}", 5_000)));

        sink.write(List.of(record(1, 1, "moved", "{\"from\":1}", 4_000)));
        assertThat(rows()).containsEntry("moved", "{\"from\": 1}|false|1|1");

        assertThat(sink.write(List.of(record(0, 60, "moved", "{\"from\":0}", 9_000))))
                .as("partition 0 sorts before partition 1, whatever the offset or the event time").isZero();
        assertThat(rows()).containsEntry("moved", "{\"from\": 1}|false|1|1");
    }

    @Test
    void writeFromTheTopicThatSortsLastWinsByByteOrder() throws Exception {
        sink.write(List.of(new SinkRecord("orders_v2", 0, 1, "k".getBytes(UTF_8), "{\"from\":\"_\"}".getBytes(UTF_8),
                List.of(), 1_000)));
        assertThat(sink.write(List.of(new SinkRecord("orders-v2", 9, 99, "k".getBytes(UTF_8),
                "{\"from\":\"-\"}".getBytes(UTF_8), List.of(), 2_000)))).as("'-' (0x2D) sorts before '_' (0x5F)")
                .isZero();
        assertThat(sink.write(List.of(new SinkRecord("Orders", 9, 99, "k".getBytes(UTF_8),
                "{\"from\":\"O\"}".getBytes(UTF_8), List.of(), 3_000)))).as("'O' (0x4F) sorts before 'o' (0x6F)")
                .isZero();
        assertThat(rows()).containsEntry("k", "{\"from\": \"_\"}|false|0|1");
    }

    /**
     * The guard is one total order, so the table never depends on how writes were batched, ordered
     * or replayed: the same writes (several topics and partitions per key, equal and missing event
     * times, tombstones, replays) are applied in 200 random orders and batch splits, and every run
     * must end with the winner per key computed here independently.
     */
    @Test
    void sameWritesInAnyOrderAndAnyBatchingEndInTheSameTable() throws Exception {
        // production databases often default to a linguistic collation, where '-' and '_' or 'O' and
        // 'o' do not sort by byte; the guard must not depend on it
        LocalPostgres.execute("ALTER TABLE " + table + " ALTER COLUMN kafka_topic TYPE text COLLATE \"en-x-icu\"");
        Random random = new Random(4242);
        List<SinkRecord> writes = new ArrayList<>();
        Map<String, Long> nextOffset = new HashMap<>();
        String[] topics = {"orders", "Orders", "orders-v2", "orders_v2"};
        long[] timestamps = {RecordBatch.NO_TIMESTAMP, 1_000, 1_000, 2_000, 3_000};
        for (int i = 0; i < 80; i++) {
            String topic = topics[random.nextInt(topics.length)];
            int partition = random.nextInt(3);
            long offset = nextOffset.merge(topic + "-" + partition, 1L + random.nextInt(3), Long::sum);
            String value = random.nextInt(5) == 0 ? null : "{\"w\":" + i + "}";
            writes.add(new SinkRecord(topic, partition, offset, ("k" + random.nextInt(8)).getBytes(UTF_8),
                    value == null ? null : value.getBytes(UTF_8), List.of(),
                    timestamps[random.nextInt(timestamps.length)]));
        }
        Map<String, String> expected = new TreeMap<>();
        for (SinkRecord winner : winnerPerKey(writes).values()) {
            expected.put(winner.keyText(), snapshotOf(winner));
        }
        assertThat(expected).hasSize(8);
        assertThat(expected.values()).as("some keys end as tombstones").anyMatch(row -> row.startsWith("null|true"));

        UpsertWriter writer = new UpsertWriter(TableName.of(table));
        try (Connection writing = LocalPostgres.dataSource().getConnection();
                Connection checking = LocalPostgres.dataSource().getConnection();
                Statement empty = checking.createStatement()) {
            writing.setAutoCommit(false);
            for (int run = 0; run < 200; run++) {
                applyInRandomOrderAndBatches(writes, writer, writing, random);
                assertThat(snapshot(checking)).as("table after run %d", run).isEqualTo(expected);
                empty.execute("DELETE FROM " + table);
            }
        }
    }

    /** Each batch in its own transaction, all on one connection (as a pooled writer would). */
    private static void applyInRandomOrderAndBatches(List<SinkRecord> writes, UpsertWriter writer,
            Connection connection,
            Random random) throws SQLException {
        List<SinkRecord> order = new ArrayList<>(writes);
        for (int replay = 0; replay < 10; replay++) {
            order.add(writes.get(random.nextInt(writes.size())));
        }
        Collections.shuffle(order, random);
        for (int from = 0; from < order.size();) {
            int to = Math.min(order.size(), from + 1 + random.nextInt(12));
            writer.write(connection, order.subList(from, to));
            connection.commit();
            from = to;
        }
    }

    /** The newest write per key: highest topic (by UTF-8 bytes), then partition, then offset. */
    private static Map<String, SinkRecord> winnerPerKey(List<SinkRecord> writes) {
        Map<String, SinkRecord> winners = new HashMap<>();
        for (SinkRecord write : writes) {
            SinkRecord current = winners.get(write.keyText());
            if (current == null) {
                winners.put(write.keyText(), write);
                continue;
            }
            int byTopic = Arrays.compareUnsigned(write.topic().getBytes(UTF_8), current.topic().getBytes(UTF_8));
            boolean later = byTopic != 0
                    ? byTopic > 0
                    : write.partition() != current.partition()
                            ? write.partition() > current.partition()
                            : write.offset() > current.offset();
            if (later) {
                winners.put(write.keyText(), write);
            }
        }
        return winners;
    }

    private static String snapshotOf(SinkRecord record) {
        String payload = record.value() == null ? "null" : new String(record.value(), UTF_8).replace(":", ": ");
        return payload + "|" + record.isTombstone() + "|" + record.topic() + "|" + record.partition() + "|"
                + record.offset() + "|" + record.eventTime();
    }

    /** key → payload|deleted|topic|partition|offset|event time (epoch ms) */
    private Map<String, String> snapshot(Connection connection) throws SQLException {
        Map<String, String> rows = new TreeMap<>();
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT key, payload::text, deleted, kafka_topic,"
                        + " kafka_partition, kafka_offset, (extract(epoch FROM event_time) * 1000)::bigint FROM "
                        + table)) {
            while (result.next()) {
                long eventTime = result.getLong(7);
                Long known = result.wasNull() ? null : eventTime;
                rows.put(result.getString(1), result.getString(2) + "|" + result.getBoolean(3) + "|"
                        + result.getString(4) + "|" + result.getInt(5) + "|" + result.getLong(6) + "|" + known);
            }
        }
        return rows;
    }

    @Test
    void eventTimePastYear9999IsStoredAndOneBeyondWhatTimestamptzHoldsIsNull() throws Exception {
        assertThat(sink.write(List.of(record(0, 1, "far", "{}", 253_402_300_800_000L),
                record(0, 2, "farther", "{}", Long.MAX_VALUE)))).isEqualTo(2);

        assertThat(LocalPostgres.queryLong("SELECT (extract(epoch FROM event_time) * 1000)::bigint FROM " + table
                + " WHERE key = 'far'")).as("+10000-01-01T00:00:00Z").isEqualTo(253_402_300_800_000L);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table
                + " WHERE key = 'farther' AND event_time IS NULL AND kafka_offset = 2")).isEqualTo(1);
    }

    @Test
    void keysAndValuesWithTabsNewlinesBackslashesAndNonAsciiTextAreStoredAsSent() throws Exception {
        String key = "tab\there\nline\\slash\r ünïcødé 😀";
        String value = "{\"text\":\"tab\\tline\\nslash\\\\ quote\\\" ünïcødé 😀\"}";
        assertThat(sink.write(List.of(record(0, 1, key, value, 1_000), record(0, 2, "plain", "{}", -1_000))))
                .isEqualTo(2);

        assertThat(rows()).isEqualTo(Map.of(key,
                "{\"text\": \"tab\\tline\\nslash\\\\ quote\\\" ünïcødé 😀\"}|false|0|1", "plain", "{}|false|0|2"));
        assertThat(LocalPostgres.queryLong("SELECT (extract(epoch FROM event_time) * 1000)::bigint FROM " + table
                + " WHERE key = 'plain'")).as("before 1970").isEqualTo(-1_000);
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
