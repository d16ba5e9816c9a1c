package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import io.steadysink.config.TableName;

/**
 * COPY a batch into a session-local staging table (emptied at commit), then merge it into the sink
 * table with one {@code INSERT … SELECT … ON CONFLICT}, optionally after a check of the staged rows.
 * {@link AppendWriter} COPYs straight into the table and comes here only for a batch whose COPY met
 * coordinates already in the table (a replay).
 */
final class StagedMerge {

    /** Looks at the staged rows before they are merged; throws to abort the batch. */
    @FunctionalInterface
    interface Check {
        void check(Statement statement) throws SQLException;
    }

    private final TableName table;
    private final String columns;
    private final String createStage;
    private final String merge;

    /**
     * @param stageColumns column definitions of the staging table, in COPY order
     * @param columns the column names of {@code stageColumns}, in the same order
     * @param merge the statement moving the staged rows into the sink table
     */
    StagedMerge(TableName table, String stageColumns, String columns, String merge) {
        this.table = table;
        this.columns = columns;
        this.createStage = "CREATE TEMP TABLE IF NOT EXISTS " + table.stage() + " (" + stageColumns
                + ") ON COMMIT DELETE ROWS";
        this.merge = merge;
    }

    /** Stages {@code rows} and merges them; returns the rows the merge inserted or changed. */
    int run(Connection connection, CopyBinary rows) throws SQLException {
        return run(connection, rows, statement -> {
        });
    }

    /** Like {@link #run(Connection, CopyBinary)}, with {@code before} run on the staged rows first. */
    int run(Connection connection, CopyBinary rows, Check before) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(createStage);
            rows.copyInto(connection, table.stage(), columns);
            before.check(statement);
            return statement.executeUpdate(merge);
        }
    }
}
