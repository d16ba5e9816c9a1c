package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

/**
 * Writes each batch in one transaction through the mode's {@link BatchWriter}; every statement of
 * the transaction is bounded by PostgreSQL's {@code statement_timeout}.
 */
public class PostgresSink {

    private final DataSource dataSource;
    private final BatchWriter writer;
    private final String statementTimeout;

    public PostgresSink(DataSource dataSource, BatchWriter writer, Duration statementTimeout) {
        this.dataSource = dataSource;
        this.writer = writer;
        this.statementTimeout = "SET LOCAL statement_timeout = " + statementTimeout.toMillis();
    }

    /** Writes the batch and commits; on any failure rolls back and rethrows, leaving no partial batch. */
    public int write(List<SinkRecord> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(statementTimeout);
                }
                int rows = writer.write(connection, batch);
                connection.commit();
                return rows;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
    }
}
