package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
import io.steadysink.testing.LocalPostgres;

class AppendWriterTest {

    private static final AtomicInteger TABLES = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();

    private String table;
    private PostgresSink sink;

    @BeforeEach
    void createTable() {
        table = "append_unit_" + TABLES.incrementAndGet();
        LocalPostgres.migrate(SinkMode.APPEND, table);
        sink = new PostgresSink(LocalPostgres.dataSource(), new AppendWriter(TableName.of(table)),
                Duration.ofSeconds(30));
    }

    @Test
    void writesEveryRecordOnceAndReplayingBatchesInAnyOrderChangesNothing() throws Exception {
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(record("orders", i % 2, i / 2, "k" + i, "{\"n\":" + i + "}"));
        }
        assertThat(sink.write(batch)).isEqualTo(200);
        String before = snapshot();

        List<SinkRecord> replay = new ArrayList<>(batch.subList(50, 200));
        Collections.shuffle(replay, new Random(7));
        assertThat(sink.write(replay)).isZero();
        assertThat(sink.write(batch)).isZero();

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(200);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void batchOverlappingRowsAlreadyWrittenAddsOnlyTheNewOnes() throws Exception {
        List<SinkRecord> first = new ArrayList<>();
        List<SinkRecord> overlapping = new ArrayList<>();
        for (int offset = 0; offset < 300; offset++) {
            SinkRecord record = record("orders", 0, offset, "k" + offset, "{\"n\":" + offset + "}");
            if (offset < 200) {
                first.add(record);
            }
            if (offset >= 100) {
                overlapping.add(record);
            }
        }
        assertThat(sink.write(first)).isEqualTo(200);

        assertThat(sink.write(overlapping)).isEqualTo(100);

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(300);
        assertThat(LocalPostgres.queryLong("SELECT count(DISTINCT kafka_offset) FROM " + table
                + " WHERE kafka_offset BETWEEN 0 AND 299")).isEqualTo(300);
    }

    @Test
    void storesKeyPayloadHeadersAndEventTimeAsTheContractSays() throws Exception {
        byte[] notUtf8 = {(byte) 0xC3, (byte) 0x28};
        List<Header> headers = List.of(
                new RecordHeader("trace", "abc".getBytes(UTF_8)),
                new RecordHeader("binary", notUtf8),
                new RecordHeader("hop", "a".getBytes(UTF_8)),
                new RecordHeader("hop", "b".getBytes(UTF_8)),
                new RecordHeader("empty", null));
        String payload = "{\"text\":\"tab\\tline\\nslash\\\\ ünïcødé\",\"n\":1.5}";
        sink.write(List.of(new SinkRecord("orders", 3, 42, "key-1".getBytes(UTF_8), payload.getBytes(UTF_8), headers,
                1_700_000_000_123L)));

        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT kafka_topic, kafka_partition, kafka_offset, kafka_key, payload::text, headers::text,"
                                + " event_time, ingested_at FROM " + table)) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo("orders");
            assertThat(row.getInt(2)).isEqualTo(3);
            assertThat(row.getLong(3)).isEqualTo(42);
            assertThat(row.getString(4)).isEqualTo("key-1");
            assertThat(JSON.readTree(row.getString(5))).isEqualTo(JSON.readTree(payload));
            JsonNode stored = JSON.readTree(row.getString(6));
            assertThat(stored.get("trace").asText()).isEqualTo("abc");
            assertThat(stored.get("binary").asText()).isEqualTo("base64:wyg=");
            assertThat(stored.get("hop")).hasSize(2);
            assertThat(stored.get("hop").get(1).asText()).isEqualTo("b");
            assertThat(stored.get("empty").isNull()).isTrue();
            assertThat(row.getTimestamp(7)).isEqualTo(new Timestamp(1_700_000_000_123L));
            assertThat(row.getTimestamp(8)).isNotNull();
            assertThat(row.next()).isFalse();
        }
    }

    /** PostgreSQL's timestamptz holds 4714-11-24 BC up to the end of 294276 AD; Kafka's long goes further. */
    @Test
    void eventTimesPastYear9999AreStoredAndThoseBeyondWhatTimestamptzHoldsAreNull() throws Exception {
        Map<Long, Long> storedAs = new LinkedHashMap<>();
        storedAs.put(253_402_300_800_000L, 253_402_300_800_000L); // +10000-01-01T00:00:00Z
        storedAs.put(253_402_300_800_123L, 253_402_300_800_123L);
        storedAs.put(9_224_318_015_999_999L, 9_224_318_015_999_999L); // the last millisecond of 294276
        storedAs.put(9_224_318_016_000_000L, null);
        storedAs.put(Long.MAX_VALUE, null);
        storedAs.put(-62_135_596_800_001L, -62_135_596_800_001L); // the last millisecond of 1 BC
        storedAs.put(-210_866_803_200_000L, -210_866_803_200_000L); // 4714-11-24T00:00:00Z BC
        storedAs.put(-210_866_803_200_001L, null);
        storedAs.put(Long.MIN_VALUE, null);
        storedAs.put(RecordBatch.NO_TIMESTAMP, null);
        storedAs.put(1_700_000_000_123L, 1_700_000_000_123L);
        List<SinkRecord> batch = new ArrayList<>();
        for (long timestamp : storedAs.keySet()) {
            batch.add(new SinkRecord("orders", 0, batch.size(), null, "{}".getBytes(UTF_8), List.of(), timestamp));
        }

        assertThat(sink.write(batch)).as("every record is written").isEqualTo(storedAs.size());

        Map<Long, Long> stored = new LinkedHashMap<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT kafka_offset,"
                        + " (extract(epoch FROM event_time) * 1000)::bigint FROM " + table
                        + " ORDER BY kafka_offset")) {
            while (rows.next()) {
                long offset = rows.getLong(1);
                long millis = rows.getLong(2);
                stored.put(batch.get((int) offset).timestamp(), rows.wasNull() ? null : millis);
            }
        }
        assertThat(stored).isEqualTo(storedAs);
    }

    @Test
    void storesTombstoneWithNullPayloadAndRecordWithoutKey() throws Exception {
        sink.write(List.of(record("orders", 0, 1, "gone", null), record("orders", 0, 2, null, "{}")));

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table
                + " WHERE kafka_offset = 1 AND payload IS NULL AND kafka_key = 'gone'")).isEqualTo(1);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table
                + " WHERE kafka_offset = 2 AND kafka_key IS NULL AND payload = '{}'::jsonb")).isEqualTo(1);
    }

    @Test
    void failedBatchLeavesNothingBehind() {
        List<SinkRecord> batch = List.of(record("orders", 0, 1, "a", "{\"ok\":true}"),
                record("orders", 0, 2, "b", "not json"));

        assertThatThrownBy(() -> sink.write(batch)).isInstanceOf(SQLException.class);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isZero();
    }

    @Test
    void writeBlockedLongerThanTheStatementTimeoutIsCancelledAndLeavesNothingBehind() throws Exception {
        PostgresSink impatient = new PostgresSink(LocalPostgres.dataSource(), new AppendWriter(TableName.of(table)),
                Duration.ofMillis(300));
        try (Connection locker = LocalPostgres.dataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            assertThatThrownBy(() -> impatient.write(List.of(record("orders", 0, 1, "a", "{}"))))
                    .isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).as("query_canceled").isEqualTo("57014"));
            locker.rollback();
        }
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isZero();
    }

    @Test
    void aDifferentRecordAtCoordinatesAlreadyWrittenIsRefusedAsARecreatedTopicAndNothingIsWritten() throws Exception {
        List<SinkRecord> old = new ArrayList<>();
        List<SinkRecord> recreated = new ArrayList<>();
        for (int offset = 0; offset < 10; offset++) {
            old.add(record("orders", 0, offset, "k" + offset, "{\"old\":" + offset + "}"));
            // a new topic of the same name: offsets start again at 0, and 10..14 are new coordinates
            recreated.add(record("orders", 0, offset + 5, "k" + offset, "{\"new\":" + offset + "}"));
        }
        sink.write(old);
        String before = snapshot();

        assertThatThrownBy(() -> sink.write(recreated))
                .hasMessageStartingWith("topic orders was deleted and recreated, or KAFKA_BOOTSTRAP_SERVERS now points"
                        + " at another cluster: table " + table + " already holds another record at orders-0@5");

        assertThat(snapshot()).as("nothing written, nothing taken for a replay").isEqualTo(before);
    }

    @Test
    void aReplayOfTheSameRecordWithOtherHeadersIsStillANoOp() throws Exception {
        SinkRecord original = record("orders", 0, 7, "k", "{\"n\":7}");
        sink.write(List.of(original));
        String before = snapshot();
        SinkRecord replayed = new SinkRecord("orders", 0, 7, original.key(), original.value(),
                List.of(new RecordHeader("steady-sink-replayed-from", "dlq-0@3".getBytes(UTF_8))),
                original.timestamp());

        assertThat(sink.write(List.of(replayed, record("orders", 0, 8, "k", "{\"n\":8}")))).isEqualTo(1);

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(2);
        assertThat(snapshot()).startsWith(before);
    }

    private String snapshot() throws SQLException {
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT string_agg(kafka_partition || ':' || kafka_offset"
                        + " || ':' || payload::text || ':' || ingested_at::text, ',' ORDER BY kafka_partition, kafka_offset)"
                        + " FROM " + table)) {
            rows.next();
            return rows.getString(1);
        }
    }

    static SinkRecord record(String topic, int partition, long offset, String key, String value) {
        return new SinkRecord(topic, partition, offset, key == null ? null : key.getBytes(UTF_8),
                value == null ? null : value.getBytes(UTF_8), List.of(), 1_700_000_000_000L + offset);
    }
}
