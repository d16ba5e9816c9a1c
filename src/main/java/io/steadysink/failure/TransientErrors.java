package io.steadysink.failure;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;

/**
 * Which database failures heal by themselves and are retried in place: the connection was lost or
 * refused, the server is shutting down or overloaded, a statement timed out or lost a lock, a
 * serialization failure or deadlock. Anything else is not retried here.
 */
public final class TransientErrors {

    /** SQLSTATE classes that are transient as a whole. */
    private static final Set<String> CLASSES = Set.of(
            "08", // connection exception
            "53", // insufficient resources (too many connections, out of memory, disk full)
            "58"); // system error (I/O)

    private static final String QUERY_CANCELED = "57014";

    /** Individual transient SQLSTATEs. */
    private static final Set<String> STATES = Set.of(
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "55P03", // lock_not_available
            QUERY_CANCELED, // statement_timeout
            "57P01", // admin_shutdown
            "57P02", // crash_shutdown
            "57P03"); // cannot_connect_now

    private TransientErrors() {
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientException || cause instanceof SQLRecoverableException) {
                return true;
            }
            if (cause instanceof SQLException sql && isTransient(sql)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether PostgreSQL cancelled a statement (SQLSTATE 57014, e.g. past {@code statement_timeout}):
     * the database answers, the statement is too slow for it (a lock held elsewhere, a slow trigger).
     */
    public static boolean isStatementTimeout(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTransient(SQLException sql) {
        String state = sql.getSQLState();
        if (state == null) {
            // Agroal reports an exhausted pool without SQLSTATE
            String message = String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT);
            return message.contains("acquisition timeout");
        }
        return STATES.contains(state) || (state.length() >= 2 && CLASSES.contains(state.substring(0, 2)));
    }
}
