package io.steadysink.failure;

import java.sql.SQLException;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * What PostgreSQL said about a failure, fit for logs and messages: the SQLSTATE and the primary
 * message, never the detail and context lines, which quote row data ("Failing row contains ...").
 */
final class SqlErrors {

    private SqlErrors() {
    }

    /**
     * SQLSTATE and PostgreSQL's primary message of {@code failure} itself (its causes are not
     * read); for a failure that is not a {@link SQLException}, its message.
     */
    static String summary(Throwable failure) {
        if (failure instanceof SQLException sql) {
            ServerErrorMessage server = server(sql);
            return "SQLSTATE " + sql.getSQLState() + (server == null ? "" : ": " + server.getMessage());
        }
        return failure instanceof Exception ? failure.getMessage() : String.valueOf(failure);
    }

    /**
     * SQLSTATE and what was said, for failures to reach or log in to PostgreSQL: the server's primary
     * message, or the driver's first sentence when the failure never reached a server (e.g.
     * "Connection to db:5432 refused"; the pool's timeout has no SQLSTATE). Unlike
     * {@link #summary}, it quotes the driver, whose messages about connecting carry no row data.
     */
    static String said(SQLException sql) {
        ServerErrorMessage server = server(sql);
        String message;
        if (server != null) {
            message = server.getMessage();
        } else {
            String driver = String.valueOf(sql.getMessage());
            int sentence = driver.indexOf(". ");
            message = sentence > 0 ? driver.substring(0, sentence) : driver;
        }
        return sql.getSQLState() == null ? message : "SQLSTATE " + sql.getSQLState() + ": " + message;
    }

    /** The first {@link SQLException} in {@code failure}'s cause chain, itself included; null if none. */
    static SQLException firstIn(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /**
     * The fields PostgreSQL sent with {@code sql} (table, constraint, column, primary message), or
     * null when it did not come from the server.
     */
    static ServerErrorMessage server(SQLException sql) {
        return sql instanceof PSQLException psql ? psql.getServerErrorMessage() : null;
    }
}
