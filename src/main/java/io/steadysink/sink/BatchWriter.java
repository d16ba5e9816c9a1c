package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;

/** Writes one batch of records on a connection whose transaction the caller owns. */
public interface BatchWriter {

    /**
     * Writes the batch idempotently: writing it again, whole or in part, in any order, leaves the
     * table as it is.
     *
     * @return rows inserted or changed
     */
    int write(Connection connection, List<SinkRecord> batch) throws SQLException;

    /**
     * Readies the tables for {@code batch} before its transaction begins, on connections of its own
     * (e.g. a column added for a field change events gained), so that no lock of the batch's
     * transaction is held meanwhile. Retried with the write.
     *
     * @throws TableChangeRequired when a table must change first and this writer may not change it
     */
    default void prepare(List<SinkRecord> batch) throws SQLException {
    }

    /**
     * The source commit times of the change events this thread's writes wrote since the last call,
     * per route; the call forgets them. Writers of no change events have none.
     */
    default List<ReplicationLag.SourceTimes> takeSourceTimes() {
        return List.of();
    }

    /** The writer for {@code mode} into {@code table}. */
    static BatchWriter forMode(SinkMode mode, TableName table) {
        return switch (mode) {
            case APPEND -> new AppendWriter(table);
            case UPSERT -> new UpsertWriter(table);
        };
    }
}
