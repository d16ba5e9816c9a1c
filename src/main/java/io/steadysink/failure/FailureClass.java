package io.steadysink.failure;

import java.sql.SQLException;
import java.util.Set;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;

import io.steadysink.sink.InvalidRecordException;

/**
 * The three kinds of failure and the rules that sort every exception into one of them. This class
 * is the single place those rules live; docs/operations.md, "When things go wrong", lists the same.
 * <ul>
 * <li>{@link #POISON}: this record can never be written; it goes to the failure strategy alone
 * (dead-letter topic by default) and the rest of its batch is written.</li>
 * <li>{@link #TRANSIENT}: the database or broker is away or busy; retried in place with backoff,
 * for as long as it lasts.</li>
 * <li>{@link #FATAL}: configuration, permissions or the table are wrong (including PostgreSQL
 * rejecting records in a pattern the {@link RejectionBreaker} reads as a schema problem); retrying
 * cannot help, the consumer stops and liveness goes DOWN so the pod is restarted.</li>
 * </ul>
 */
public enum FailureClass {
    POISON, TRANSIENT, FATAL;

    /**
     * SQLSTATE classes that reject data, not the connection or the schema: 22 data exception (e.g.
     * {@code \u0000} in jsonb, numeric overflow), 23 integrity constraint violation, 54 program limit
     * exceeded (e.g. a key too long for the primary-key index). Poison when one record causes them.
     */
    private static final Set<String> DATA_CLASSES = Set.of("22", "23", "54");

    public static FailureClass of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RejectionBreaker.Tripped) {
                return FATAL;
            }
            if (cause instanceof InvalidRecordException) {
                return POISON;
            }
            if (cause instanceof AuthenticationException || cause instanceof AuthorizationException) {
                return FATAL;
            }
            if (cause instanceof RetriableException) {
                return TRANSIENT;
            }
        }
        if (TransientErrors.isTransient(failure)) {
            return TRANSIENT;
        }
        if (isDataError(failure)) {
            return POISON;
        }
        // Everything else (SQLSTATE 28 bad credentials, 42501 permission denied, 42P01/42703 a
        // missing or misshapen table, 3D000 no such database, and anything unknown) needs a person.
        return FATAL;
    }

    /** Whether PostgreSQL rejected the data itself (SQLSTATE class 22, 23 or 54). */
    public static boolean isDataError(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().length() >= 2
                    && DATA_CLASSES.contains(sql.getSQLState().substring(0, 2))) {
                return true;
            }
        }
        return false;
    }
}
