package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/**
 * Writes each batch in one transaction through the mode's {@link BatchWriter}, after the writer has
 * readied its tables ({@link BatchWriter#prepare}); every statement of the transaction is bounded by
 * PostgreSQL's {@code statement_timeout}. After a commit it tells the
 * {@link ReplicationLag} how long the batch's change events took from their source commit, by its
 * wall clock, and the {@link TransactionTimes} how long the transaction's statements and its commit
 * took.
 */
public class PostgresSink {

    /** Told the times of each committed transaction. */
    @FunctionalInterface
    public interface TransactionTimes {

        /** Tells nothing. */
        TransactionTimes NONE = (statements, commit) -> {
        };

        /**
         * @param statements from asking the pool for a connection to the end of the last statement
         * @param commit the {@code COMMIT} itself
         */
        void committed(Duration statements, Duration commit);
    }

    private final DataSource dataSource;
    private final BatchWriter writer;
    private final String statementTimeout;
    private final InstantSource clock;
    private final ReplicationLag lag;
    private final TransactionTimes times;

    public PostgresSink(DataSource dataSource, BatchWriter writer, Duration statementTimeout) {
        this(dataSource, writer, statementTimeout, InstantSource.system(), ReplicationLag.NONE);
    }

    public PostgresSink(DataSource dataSource, BatchWriter writer, Duration statementTimeout, InstantSource clock,
            ReplicationLag lag) {
        this(dataSource, writer, statementTimeout, clock, lag, TransactionTimes.NONE);
    }

    public PostgresSink(DataSource dataSource, BatchWriter writer, Duration statementTimeout, InstantSource clock,
            ReplicationLag lag, TransactionTimes times) {
        this.dataSource = dataSource;
        this.times = times;
        this.writer = writer;
        this.statementTimeout = "SET LOCAL statement_timeout = " + statementTimeout.toMillis();
        this.clock = clock;
        this.lag = lag;
    }

    /** Writes the batch and commits; on any failure rolls back and rethrows, leaving no partial batch. */
    public int write(List<SinkRecord> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        writer.prepare(batch);
        long started = System.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            writer.takeSourceTimes(); // left by a write that failed before its rollback
            int rows;
            try {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(statementTimeout);
                }
                rows = writer.write(connection, batch);
                long written = System.nanoTime();
                connection.commit();
                times.committed(Duration.ofNanos(written - started), Duration.ofNanos(System.nanoTime() - written));
            } catch (SQLException | RuntimeException e) {
                writer.takeSourceTimes(); // rolled back: no lag to tell
                connection.rollback();
                throw e;
            }
            committed(writer.takeSourceTimes());
            return rows;
        }
    }

    private void committed(List<ReplicationLag.SourceTimes> written) {
        if (written.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        for (ReplicationLag.SourceTimes times : written) {
            List<Duration> lags = new ArrayList<>(times.sourceMillis().size());
            for (long source : times.sourceMillis()) {
                lags.add(Duration.ofMillis(Math.max(0, now.toEpochMilli() - source)));
            }
            lag.committed(times.route(), times.table(), lags);
        }
    }
}
