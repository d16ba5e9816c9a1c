package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import javax.sql.DataSource;

/** Writes each batch in one transaction through the mode's {@link BatchWriter}. */
public final class PostgresSink {

    private final DataSource dataSource;
    private final BatchWriter writer;

    public PostgresSink(DataSource dataSource, BatchWriter writer) {
        this.dataSource = dataSource;
        this.writer = writer;
    }

    /** Writes the batch and commits; on any failure rolls back and rethrows, leaving no partial batch. */
    public int write(List<SinkRecord> batch) throws SQLException {
        if (batch.isEmpty()) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
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
