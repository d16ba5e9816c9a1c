package io.steadysink.failure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
import io.steadysink.sink.BatchWriter;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.SinkRecord;
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

    @Test
    void aNotNullColumnAddedToTheTableStopsTheFirstBatchEarlyWithoutRejectingAnyRecord() throws Exception {
        String table = table(SinkMode.APPEND);
        LocalPostgres.execute("ALTER TABLE " + table + " ADD COLUMN region text NOT NULL");
        CountingSink sink = new CountingSink(table, SinkMode.APPEND);
        IsolatingWriter writer = writer(sink, SinkMode.APPEND, defaultBreaker());

        assertThatThrownBy(() -> writer.write(records(0, 200, i -> "{\"i\":" + i + "}")))
                .as("the batch is not returned for dead-lettering: the breaker stops it")
                .satisfies(e -> {
                    assertThat(FailureClass.of(e)).isEqualTo(FailureClass.FATAL);
                    assertThat(FatalAdvice.of(e, table)).contains("SQLSTATE 23502", "column region", "table " + table,
                            "NOT NULL", "restart").doesNotContain("\"i\"");
                });
        assertThat(sink.transactions.get()).as("trips early in the bisection, far from 2n = 400 transactions")
                .isLessThan(40);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isZero();
    }

    @Test
    void aCheckConstraintEveryRecordBreaksTripsTheBreakerWithinThreeSmallBatches() throws Exception {
        String table = table(SinkMode.APPEND);
        LocalPostgres.execute("ALTER TABLE " + table + " ADD CONSTRAINT only_eu CHECK (payload->>'region' = 'eu')");
        IsolatingWriter writer = writer(new CountingSink(table, SinkMode.APPEND), SinkMode.APPEND, defaultBreaker());

        int deadLettered = 0;
        Exception stopped = null;
        for (int batch = 0; batch < 10 && stopped == null; batch++) {
            try {
                IsolatingWriter.Outcome outcome = writer.write(records(batch * 4, 4, i -> "{\"region\":\"us\"}"));
                assertThat(outcome.rejected()).hasSize(4);
                deadLettered++;
            } catch (RejectionBreaker.Tripped e) {
                stopped = e;
            }
        }

        assertThat(stopped).as("the breaker trips by the third batch of 4 (10 rejections in a row)").isNotNull();
        assertThat(deadLettered).as("batches dead-lettered before the breaker tripped").isEqualTo(2);
        assertThat(FatalAdvice.of(stopped, table)).contains("SQLSTATE 23514", "constraint only_eu", "CHECK");
    }

    @Test
    void aConstraintMostRecordsBreakTripsOnTheRateThoughNoLongRunForms() throws Exception {
        String table = table(SinkMode.APPEND);
        LocalPostgres
                .execute("ALTER TABLE " + table + " ADD CONSTRAINT every_third CHECK ((payload->>'i')::int % 3 = 0)");
        IsolatingWriter writer = writer(new CountingSink(table, SinkMode.APPEND), SinkMode.APPEND, defaultBreaker());

        assertThatThrownBy(() -> writer.write(records(0, 300, i -> "{\"i\":" + i + "}")))
                .isInstanceOf(RejectionBreaker.Tripped.class)
                .hasMessageContaining("SINK_REJECTIONS_MAX_RATIO").hasMessageContaining("every_third");
    }

    @Test
    void sparsePoisonNeverTripsTheBreaker() throws Exception {
        String table = table(SinkMode.APPEND);
        IsolatingWriter writer = writer(new CountingSink(table, SinkMode.APPEND), SinkMode.APPEND, defaultBreaker());

        int rejected = 0;
        for (int batch = 0; batch < 10; batch++) {
            IsolatingWriter.Outcome outcome = writer.write(records(batch * 200, 200,
                    i -> i % 100 == 42 ? "{\"text\":\"nul \\u0000 inside\"}" : "{\"i\":" + i + "}"));
            rejected += outcome.rejected().size();
        }

        assertThat(rejected).as("1 in 100 rejected by PostgreSQL, all dead-lettered").isEqualTo(20);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(1_980);
    }

    @Test
    void aBatchThatAlwaysOutrunsTheStatementTimeoutIsWrittenInSmallerParts() throws Exception {
        String table = table(SinkMode.APPEND);
        slowInserts(table, "true", 0.04);
        CountingSink sink = new CountingSink(table, SinkMode.APPEND, Duration.ofMillis(500));
        RecordingAttempts attempts = new RecordingAttempts();
        IsolatingWriter writer = new IsolatingWriter(new RecordValidator(SinkMode.APPEND, 10_000), sink,
                new DatabaseRetry(Duration.ofMillis(10), Duration.ofMillis(100), attempts), defaultBreaker());
        List<SinkRecord> batch = records(0, 64, i -> "{\"i\":" + i + "}");

        IsolatingWriter.Outcome outcome = assertTimeoutPreemptively(Duration.ofMinutes(2), () -> writer.write(batch),
                "64 rows of 40 ms each never fit a 500 ms statement_timeout as one statement");

        assertThat(outcome.written()).hasSize(64);
        assertThat(outcome.rejected()).isEmpty();
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(64);
        assertThat(attempts.timeouts.get()).as("statement timeouts reported as such").isPositive();
        assertThat(attempts.unanswered.get()).as("a cancelled statement is an answer, not an unreachable database")
                .isZero();
        assertThat(attempts.stuck).as("every timed-out write ended").isEmpty();
    }

    @Test
    void aRecordThatAlwaysOutrunsTheStatementTimeoutIsRetriedAloneUntilItFits() throws Exception {
        String table = table(SinkMode.APPEND);
        slowInserts(table, "NEW.payload->>'slow' = 'true'", 1.0);
        CountingSink sink = new CountingSink(table, SinkMode.APPEND, Duration.ofMillis(300));
        RecordingAttempts attempts = new RecordingAttempts();
        IsolatingWriter writer = new IsolatingWriter(new RecordValidator(SinkMode.APPEND, 10_000), sink,
                new DatabaseRetry(Duration.ofMillis(10), Duration.ofMillis(100), attempts), defaultBreaker());
        // the records before it are written in ever smaller parts; it alone is retried, the ones after it wait
        List<SinkRecord> batch = records(0, 20, i -> i == 13 ? "{\"slow\":true}" : "{\"i\":" + i + "}");

        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<IsolatingWriter.Outcome> writing = worker.submit(() -> writer.write(batch));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table))
                        .as("every record before it is written").isEqualTo(13);
                assertThat(attempts.stuck.values()).as("the stuck write is the one record")
                        .anySatisfy(write -> assertThat(write).contains("1 record", "orders-0@13"));
            });
            assertThat(writing).isNotDone();
            assertThat(attempts.unanswered.get()).isZero();

            LocalPostgres.execute("DROP TRIGGER slow ON " + table);
            IsolatingWriter.Outcome outcome = writing.get(60, TimeUnit.SECONDS);
            assertThat(outcome.written()).hasSize(20);
            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(20);
            assertThat(attempts.stuck).isEmpty();
        } finally {
            LocalPostgres.execute("DROP TRIGGER IF EXISTS slow ON " + table);
            worker.shutdownNow();
        }
    }

    private static IsolatingWriter writer(PostgresSink sink, SinkMode mode) {
        return new IsolatingWriter(new RecordValidator(mode, 10_000), sink,
                new DatabaseRetry(Duration.ofMillis(10), Duration.ofMillis(100), () -> {
                }));
    }

    private static IsolatingWriter writer(PostgresSink sink, SinkMode mode, RejectionBreaker breaker) {
        return new IsolatingWriter(new RecordValidator(mode, 10_000), sink,
                new DatabaseRetry(Duration.ofMillis(10), Duration.ofMillis(100), () -> {
                }), breaker);
    }

    /** The documented defaults: SINK_REJECTIONS_MIN=10, SINK_REJECTIONS_MAX_RATIO=0.5, SINK_REJECTIONS_WINDOW=1000. */
    private static RejectionBreaker defaultBreaker() {
        return new RejectionBreaker(10, 0.5, 1_000);
    }

    private static List<SinkRecord> records(int firstOffset, int count, IntFunction<String> value) {
        List<SinkRecord> records = new ArrayList<>();
        for (int i = firstOffset; i < firstOffset + count; i++) {
            records.add(new SinkRecord("orders", 0, i, null, value.apply(i).getBytes(UTF_8), List.of(), 1_000));
        }
        return records;
    }

    /** A row trigger that sleeps {@code seconds} for every inserted row matching {@code condition}. */
    private static void slowInserts(String table, String condition, double seconds) {
        LocalPostgres.execute("CREATE FUNCTION " + table + "_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
                + condition + " THEN PERFORM pg_sleep(" + seconds + "); END IF; RETURN NEW; END $$");
        LocalPostgres.execute("CREATE TRIGGER slow BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                + table + "_slow()");
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
            this(table, mode, Duration.ofSeconds(30));
        }

        CountingSink(String table, SinkMode mode, Duration statementTimeout) {
            super(LocalPostgres.dataSource(), BatchWriter.forMode(mode, TableName.of(table)), statementTimeout);
        }

        @Override
        public int write(List<SinkRecord> batch) throws SQLException {
            transactions.incrementAndGet();
            return super.write(batch);
        }
    }
}
