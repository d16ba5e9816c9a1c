package io.steadysink.failure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
import io.steadysink.sink.AppendWriter;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.SinkRecord;
import io.steadysink.testing.LocalPostgres;

class DatabaseRetryTest {

    private final AtomicInteger retries = new AtomicInteger();
    private final DatabaseRetry retry = new DatabaseRetry(Duration.ofMillis(20), Duration.ofMillis(200),
            retries::incrementAndGet);

    @Test
    void writeBlockedPastItsStatementTimeoutIsRetriedUntilTheLockIsReleasedAndLandsOnce() throws Exception {
        String table = "retry_locked";
        LocalPostgres.migrate(SinkMode.APPEND, table);
        PostgresSink sink = new PostgresSink(LocalPostgres.dataSource(), new AppendWriter(TableName.of(table)),
                Duration.ofMillis(200));
        try (Connection locker = LocalPostgres.dataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE " + table + " IN EXCLUSIVE MODE");
            }
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1_500);
                    locker.rollback();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            retry.run(() -> sink.write(List.of(new SinkRecord("t", 0, 7, null, "{}".getBytes(UTF_8), List.of(), 1))));
            release.join();
        }

        assertThat(retries.get()).as("statement timeouts retried while the table was locked").isPositive();
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(1);
    }

    @Test
    void aWriteOfSeveralRecordsThatKeepsTimingOutIsHandedBackToBeSplitButASingleRecordIsRetried() throws Exception {
        RecordingAttempts attempts = new RecordingAttempts();
        DatabaseRetry reporting = new DatabaseRetry(Duration.ofMillis(1), Duration.ofMillis(5), attempts);
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> reporting.call("64 records", true, () -> {
            calls.incrementAndGet();
            throw new SQLException("canceling statement due to statement timeout", "57014");
        })).isInstanceOf(DatabaseRetry.KeepsTimingOut.class);
        assertThat(calls.get()).isEqualTo(DatabaseRetry.TIMEOUTS_BEFORE_SPLITTING);

        calls.set(0);
        int written = reporting.call("1 record", false, () -> {
            if (calls.incrementAndGet() < 5) {
                throw new SQLException("canceling statement due to statement timeout", "57014");
            }
            return 1;
        });

        assertThat(written).isEqualTo(1);
        assertThat(calls.get()).as("a single record is retried until it fits").isEqualTo(5);
        assertThat(attempts.timeouts.get()).isEqualTo(DatabaseRetry.TIMEOUTS_BEFORE_SPLITTING + 4);
        assertThat(attempts.unanswered.get()).as("a cancelled statement is an answer").isZero();
        assertThat(attempts.ended.get()).as("each timed-out write reported as ended once").isEqualTo(2);
    }

    @Test
    void dataErrorIsNotRetriedAndSurfacesAsIs() {
        String table = "retry_data_error";
        LocalPostgres.migrate(SinkMode.APPEND, table);
        PostgresSink sink = new PostgresSink(LocalPostgres.dataSource(), new AppendWriter(TableName.of(table)),
                Duration.ofSeconds(5));

        assertThatThrownBy(() -> retry.run(() -> sink.write(List.of(new SinkRecord("t", 0, 1, null,
                "not json".getBytes(UTF_8), List.of(), 1)))))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22P02"));
        assertThat(retries.get()).isZero();
    }
}
