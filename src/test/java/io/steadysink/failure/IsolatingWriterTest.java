package io.steadysink.failure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.steadysink.sink.BatchWriter;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.SinkMode;
import io.steadysink.sink.SinkRecord;
import io.steadysink.sink.TableName;
import io.steadysink.testing.LocalPostgres;

class IsolatingWriterTest {

    private static final AtomicInteger TABLES = new AtomicInteger();

    @Test
    void recordsPostgresRejectsAreIsolatedAndEveryOtherRecordIsWritten() throws Exception {
        String table = table(SinkMode.APPEND);
        // what only PostgreSQL can judge: a constraint the table's owner added
        LocalPostgres
                .execute("ALTER TABLE " + table + " ADD CHECK (payload->>'n' IS NULL OR (payload->>'n')::int > 0)");
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String value = switch (i) {
                case 13 -> "{\"n\":0}"; // check_violation (23514)
                case 57 -> "{\"n\":\"not a number\"}"; // invalid_text_representation (22P02)
                case 80 -> "[\"not an object\"]"; // caught before the write
                default -> "{\"i\":" + i + "}";
            };
            batch.add(new SinkRecord("orders", 0, i, null, value.getBytes(UTF_8), List.of(), 1_000));
        }
        CountingSink sink = new CountingSink(table, SinkMode.APPEND);

        IsolatingWriter.Outcome outcome = writer(sink, SinkMode.APPEND).write(batch);

        assertThat(outcome.written()).hasSize(97);
        assertThat(outcome.rejected()).extracting(e -> e.record().offset()).containsExactlyInAnyOrder(13L, 57L, 80L);
        assertThat(outcome.rejected()).filteredOn(e -> e.record().offset() == 13).first()
                .satisfies(e -> {
                    assertThat(e.defect()).isEqualTo(Defect.REJECTED_BY_DATABASE);
                    assertThat(e.getCause()).isInstanceOf(SQLException.class);
                    assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("23514");
                });
        assertThat(outcome.rejected()).filteredOn(e -> e.record().offset() == 80).first()
                .extracting(InvalidRecordException::defect).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(97);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table + " WHERE kafka_offset IN (13, 57, 80)"))
                .isZero();
        // bisection costs O(k log n): the failed whole batch, then at most two halves per level
        // (7 levels for 97 records) on the path to each of the k = 2 rejected records
        assertThat(sink.transactions.get()).isBetween(1 + 2 * 2, 1 + 2 * 2 * 7);
    }

    @Test
    void aBatchWithoutPoisonIsOneTransaction() throws Exception {
        String table = table(SinkMode.UPSERT);
        List<SinkRecord> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(new SinkRecord("state", 0, i, ("k" + i % 10).getBytes(UTF_8), "{}".getBytes(UTF_8), List.of(),
                    1_000));
        }
        batch.add(new SinkRecord("state", 0, 50, null, "{}".getBytes(UTF_8), List.of(), 1_000));
        CountingSink sink = new CountingSink(table, SinkMode.UPSERT);

        IsolatingWriter.Outcome outcome = writer(sink, SinkMode.UPSERT).write(batch);

        assertThat(sink.transactions.get()).isEqualTo(1);
        assertThat(outcome.written()).hasSize(50);
        assertThat(outcome.rejected()).singleElement().extracting(InvalidRecordException::defect)
                .isEqualTo(Defect.MISSING_KEY);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(10);
    }

    /**
     * Upsert reduces a batch to the newest write per key before PostgreSQL sees it, so a record that
     * PostgreSQL would reject must be found before that: whether it is poison may not depend on
     * what else its batch holds.
     */
    @Test
    void aRecordPostgresWouldRejectIsPoisonAlsoWhenALaterWriteOfItsKeySupersedesItInItsBatch() throws Exception {
        String table = table(SinkMode.UPSERT);
        CountingSink sink = new CountingSink(table, SinkMode.UPSERT);
        List<String> rejectable = List.of("{\"a\":\"nul \\u0000 inside\"}", "{\"\\u0000\":1}",
                "{\"a\":\"half \\ud800 a pair\"}", "{\"n\":1e1000000}");
        long offset = 0;
        for (String value : rejectable) {
            SinkRecord bad = new SinkRecord("state", 0, offset++, "k".getBytes(UTF_8), value.getBytes(UTF_8),
                    List.of(), 1_000);
            SinkRecord later = new SinkRecord("state", 0, offset++, "k".getBytes(UTF_8),
                    ("{\"after\":" + offset + "}").getBytes(UTF_8), List.of(), 1_000);

            IsolatingWriter.Outcome together = writer(sink, SinkMode.UPSERT).write(List.of(bad, later));
            IsolatingWriter.Outcome alone = writer(sink, SinkMode.UPSERT).write(List.of(bad));

            assertThat(together.rejected()).as("%s, superseded in its batch", value).hasSize(1);
            assertThat(together.rejected().get(0).record()).isSameAs(bad);
            assertThat(together.written()).containsExactly(later);
            assertThat(alone.rejected()).as("%s, alone in its batch", value).singleElement()
                    .extracting(InvalidRecordException::defect).isEqualTo(together.rejected().get(0).defect());
        }
        assertThat(LocalPostgres.queryLong("SELECT kafka_offset FROM " + table + " WHERE key = 'k'")).isEqualTo(7);
    }

    @Test
    void aMissingTableIsThrownNotIsolated() {
        String table = "never_created_" + TABLES.incrementAndGet();
        CountingSink sink = new CountingSink(table, SinkMode.APPEND);
        List<SinkRecord> batch = List.of(new SinkRecord("orders", 0, 0, null, "{}".getBytes(UTF_8), List.of(), 0),
                new SinkRecord("orders", 0, 1, null, "{}".getBytes(UTF_8), List.of(), 0));

        assertThatThrownBy(() -> writer(sink, SinkMode.APPEND).write(batch)).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(FailureClass.of(e)).isEqualTo(FailureClass.FATAL));
        assertThat(sink.transactions.get()).as("no bisection for a fatal error").isEqualTo(1);
    }

    private static IsolatingWriter writer(PostgresSink sink, SinkMode mode) {
        return new IsolatingWriter(new RecordValidator(mode, 10_000), sink,
                new DatabaseRetry(Duration.ofMillis(10), Duration.ofMillis(100), () -> {
                }));
    }

    private static String table(SinkMode mode) {
        String table = "isolating_" + TABLES.incrementAndGet();
        LocalPostgres.migrate(mode, table);
        return table;
    }

    /** The real sink, counting the transactions it was asked to run. */
    private static final class CountingSink extends PostgresSink {

        final AtomicInteger transactions = new AtomicInteger();

        CountingSink(String table, SinkMode mode) {
            super(LocalPostgres.dataSource(), BatchWriter.forMode(mode, TableName.of(table)), Duration.ofSeconds(30));
        }

        @Override
        public int write(List<SinkRecord> batch) throws SQLException {
            transactions.incrementAndGet();
            return super.write(batch);
        }
    }
}
