package io.steadysink.failure;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;

import io.steadysink.format.RegistryUnavailable;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.TableChangeRequired;

/**
 * The three kinds of failure and the rules that sort every exception into one of them. This class
 * is the single place those rules live (every SQLSTATE and exception type steady-sink tells apart);
 * docs/operations.md, "When things go wrong", lists the same.
 * <ul>
 * <li>{@link #POISON}: this record can never be written; it goes to the failure strategy alone
 * (dead-letter topic by default) and the rest of its batch is written.</li>
 * <li>{@link #TRANSIENT}: the database or broker is away or busy, or a route's table must change
 * before its records fit ({@link TableChangeRequired}: a column the change events gained); retried in
 * place with backoff, for as long as it lasts.</li>
 * <li>{@link #FATAL}: configuration, permissions or the table are wrong (including PostgreSQL
 * rejecting records in a pattern the {@link RejectionBreaker} reads as a schema problem); retrying
 * cannot help, the consumer stops and liveness goes DOWN so the pod is restarted.</li>
 * </ul>
 * Besides {@link #of}, the finer rules its callers act on are predicates here too: which database
 * errors are retried in place ({@link #isTransientDatabaseError}), which of them are a statement
 * timeout ({@link #isStatementTimeout}), which reject data ({@link #isDataError}), and when Kafka
 * refuses a record as too large ({@link #isRecordTooLarge}).
 */
public enum FailureClass {
    POISON, TRANSIENT, FATAL;

    /**
     * SQLSTATE classes that reject data, not the connection or the schema: 22 data exception (e.g.
     * {@code \u0000} in jsonb, numeric overflow), 23 integrity constraint violation, 54 program limit
     * exceeded (e.g. a key too long for the primary-key index). Poison when one record causes them.
     */
    private static final Set<String> DATA_CLASSES = Set.of("22", "23", "54");

    /** SQLSTATE classes that are transient as a whole. */
    private static final Set<String> TRANSIENT_CLASSES = Set.of(
            "08", // connection exception
            "53", // insufficient resources (too many connections, out of memory, disk full)
            "58"); // system error (I/O)

    private static final String QUERY_CANCELED = "57014";

    /**
     * Class 08 but not transient: pgjdbc's "connection rejected" before the login (no password given
     * where the server asks for one, SSL or an authentication method the other side does not offer).
     */
    private static final String CONNECTION_REJECTED = "08004";

    /** Individual transient SQLSTATEs. */
    private static final Set<String> TRANSIENT_STATES = Set.of(
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "55P03", // lock_not_available
            QUERY_CANCELED, // statement_timeout
            "57P01", // admin_shutdown
            "57P02", // crash_shutdown
            "57P03"); // cannot_connect_now

    public static FailureClass of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RejectionBreaker.Tripped) {
                return FATAL;
            }
            if (cause instanceof InvalidRecordException) {
                return POISON;
            }
            if (cause instanceof TableChangeRequired || cause instanceof RegistryUnavailable) {
                return TRANSIENT;
            }
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return FATAL;
            }
            if (cause instanceof RetriableException) {
                return TRANSIENT;
            }
        }
        if (isTransientDatabaseError(failure)) {
            return TRANSIENT;
        }
        if (isDataError(failure)) {
            return POISON;
        }
        // Everything else (SQLSTATE 28 bad credentials, 42501 permission denied, 42P01/42703 a
        // missing or misshapen table, 3D000 no such database, and anything unknown) needs a person.
        return FATAL;
    }

    /**
     * Whether a database failure heals by itself and is retried in place: the connection was lost
     * or refused (not rejected for a missing password or SSL: 08004), the server is shutting down,
     * starting or overloaded, a statement timed out or lost a lock, a serialization failure or
     * deadlock, the connection pool is exhausted. Kafka's failures are not judged here (see
     * {@link #of}).
     */
    public static boolean isTransientDatabaseError(Throwable failure) {
        return anyCause(failure, cause -> cause instanceof SQLTransientException
                || cause instanceof SQLRecoverableException || cause instanceof SQLException sql && isTransient(sql));
    }

    /**
     * Whether the schema registry did not answer for a schema a batch needs ({@link RegistryUnavailable}):
     * retried in place like a database outage.
     */
    public static boolean isRegistryUnavailable(Throwable failure) {
        return anyCause(failure, RegistryUnavailable.class::isInstance);
    }

    /**
     * Whether a write waits for its table to change ({@link TableChangeRequired}): retried in place,
     * like an outage, until someone (or another replica) has changed it. The database answers.
     */
    public static boolean isWaitingForTable(Throwable failure) {
        return anyCause(failure, TableChangeRequired.class::isInstance);
    }

    /**
     * Whether PostgreSQL cancelled a statement (SQLSTATE 57014, e.g. past {@code statement_timeout}):
     * the database answers, the statement is too slow for it (a lock held elsewhere, a slow trigger).
     * Transient, like every {@link #isTransientDatabaseError}.
     */
    public static boolean isStatementTimeout(Throwable failure) {
        return anyCause(failure, cause -> cause instanceof SQLException sql
                && QUERY_CANCELED.equals(sql.getSQLState()));
    }

    /** Whether PostgreSQL rejected the data itself (SQLSTATE class 22, 23 or 54). */
    public static boolean isDataError(Throwable failure) {
        return anyCause(failure, cause -> cause instanceof SQLException sql && sql.getSQLState() != null
                && sql.getSQLState().length() >= 2 && DATA_CLASSES.contains(sql.getSQLState().substring(0, 2)));
    }

    /**
     * Whether Kafka refused a record as too large for the topic ({@code max.message.bytes}) or the
     * producer ({@code max.request.size}). Fixed by raising the limit, without a restart, so the
     * dead-letter hand-over retries it like an outage.
     */
    public static boolean isRecordTooLarge(Throwable failure) {
        return anyCause(failure,
                cause -> cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException);
    }

    /** Whether {@code failure} or one of its causes passes {@code test}. */
    private static boolean anyCause(Throwable failure, Predicate<Throwable> test) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (test.test(cause)) {
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
        return TRANSIENT_STATES.contains(state) || (state.length() >= 2
                && TRANSIENT_CLASSES.contains(state.substring(0, 2)) && !CONNECTION_REJECTED.equals(state));
    }
}
