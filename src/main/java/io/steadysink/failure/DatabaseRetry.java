package io.steadysink.failure;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import dev.failsafe.function.CheckedRunnable;
import dev.failsafe.function.CheckedSupplier;

/**
 * Retries a batch write in place while the database fails transiently: exponential backoff with
 * jitter, without a limit on attempts ({@link Backoff}). The worker stays on its batch, the connector
 * pauses the partitions once its queue fills and keeps polling, so the consumer stays in its group
 * and resumes exactly where it stopped when the database is back.
 * <p>
 * A statement cancelled by {@code statement_timeout} is retried too, but it is an answer, not an
 * outage: it is reported as such, and a write of several records that times out
 * {@value #TIMEOUTS_BEFORE_SPLITTING} times is handed back ({@link KeepsTimingOut}) to be written in
 * smaller parts; a single record is retried for as long as it takes.
 * <p>
 * A write that waits for its table to change ({@link FailureClass#isWaitingForTable}: change events
 * carrying a column the table lacks) is retried the same way, and reported with the statement to run.
 */
public final class DatabaseRetry {

    private static final Logger LOG = Logger.getLogger(DatabaseRetry.class);

    /**
     * Statement timeouts of one divisible write before it is handed back to be split: the first may be
     * a passing lock, the second says the write is too slow as it is.
     */
    public static final int TIMEOUTS_BEFORE_SPLITTING = 2;

    private final Backoff backoff;
    private final Attempts attempts;

    /** Told how each attempt ended, e.g. to count retries and judge whether the database answers. */
    @FunctionalInterface
    public interface Attempts {

        /** An attempt failed transiently (statement timeouts included) and will be retried. */
        void retrying();

        /**
         * An attempt got an answer from the database: success, a failure that is not transient, or a
         * statement cancelled by {@code statement_timeout}.
         */
        default void answered() {
        }

        /** An attempt got no answer: the connection was refused or lost, the server is going away. */
        default void unanswered() {
        }

        /**
         * A statement of {@code write} ran past {@code statement_timeout}; {@code description} says
         * which records and how often. Repeated for every timeout of the same write.
         */
        default void timedOut(Object write, String description) {
        }

        /** A write that had timed out ended: written, handed back to be split, or failed otherwise. */
        default void timeoutsEnded(Object write) {
        }

        /**
         * {@code write} waits for its table to change ({@link FailureClass#isWaitingForTable}), e.g. for
         * a column its records carry; {@code reason} names the route, the table and the statement to
         * run. Repeated for every attempt of the same write.
         */
        default void waitingForTable(Object write, String reason) {
        }

        /** A write that waited for its table ended: written, or failed otherwise. */
        default void tableWaitEnded(Object write) {
        }
    }

    /** A write of several records that keeps outrunning {@code statement_timeout}: split it. */
    public static final class KeepsTimingOut extends Exception {

        KeepsTimingOut(int timeouts, Exception last) {
            super("statement timed out " + timeouts + " times", last);
        }
    }

    public DatabaseRetry(Duration initialBackoff, Duration maxBackoff, Attempts attempts) {
        this.attempts = attempts;
        this.backoff = new Backoff(initialBackoff, maxBackoff,
                failure -> !(failure instanceof KeepsTimingOut) && (FailureClass.isTransientDatabaseError(failure)
                        || FailureClass.isWaitingForTable(failure) || FailureClass.isRegistryUnavailable(failure)),
                (attempt, elapsed, failure) -> {
                    attempts.retrying();
                    if (FailureClass.isWaitingForTable(failure)) {
                        LOG.warnf("The batch waits for its table to change, retry %d after %s: %s", attempt, elapsed,
                                failure.getMessage());
                    } else if (FailureClass.isRegistryUnavailable(failure)) {
                        LOG.warnf("The schema registry does not answer, retry %d of the batch after %s: %s", attempt,
                                elapsed, failure.getMessage());
                    } else {
                        LOG.warnf("Transient database error, retry %d of the batch after %s: %s", attempt, elapsed,
                                failure);
                    }
                });
    }

    /** Runs {@code write}, retrying transient failures; rethrows anything else as it came. */
    public void run(CheckedRunnable write) throws Exception {
        call(() -> {
            write.run();
            return null;
        });
    }

    /** Like {@link #run} for a write that returns a result; statement timeouts are retried too. */
    public <T> T call(CheckedSupplier<T> write) throws Exception {
        return call("a write", false, write);
    }

    /**
     * Like {@link #call(CheckedSupplier)}, for a write of records described by {@code description}.
     *
     * @param divisible whether the write can be split: then it is handed back after
     *        {@value #TIMEOUTS_BEFORE_SPLITTING} statement timeouts instead of being retried again
     * @throws KeepsTimingOut when a divisible write keeps timing out
     */
    public <T> T call(String description, boolean divisible, CheckedSupplier<T> write) throws Exception {
        Object token = new Object();
        AtomicInteger timeouts = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        try {
            return backoff.get(() -> {
                try {
                    T result = write.get();
                    attempts.answered();
                    return result;
                } catch (Exception e) {
                    if (FailureClass.isStatementTimeout(e)) {
                        int count = timeouts.incrementAndGet();
                        attempts.answered();
                        attempts.timedOut(token, description + " timed out " + count
                                + (count == 1 ? " time" : " times"));
                        if (divisible && count >= TIMEOUTS_BEFORE_SPLITTING) {
                            throw new KeepsTimingOut(count, e);
                        }
                    } else if (FailureClass.isWaitingForTable(e)) {
                        waits.incrementAndGet();
                        attempts.answered();
                        attempts.waitingForTable(token, e.getMessage());
                    } else if (FailureClass.isTransientDatabaseError(e) || FailureClass.isRegistryUnavailable(e)) {
                        attempts.unanswered();
                    } else {
                        attempts.answered();
                    }
                    throw e;
                }
            });
        } finally {
            if (timeouts.get() > 0) {
                attempts.timeoutsEnded(token);
            }
            if (waits.get() > 0) {
                attempts.tableWaitEnded(token);
            }
        }
    }
}
