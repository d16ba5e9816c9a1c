package io.steadysink.failure;

import java.time.Duration;
import java.util.function.Predicate;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedRunnable;
import dev.failsafe.function.CheckedSupplier;

/**
 * Retries in place for as long as a failure is retryable: exponential backoff from the first wait
 * to the longest ({@code SINK_RETRY_BACKOFF_*}), each wait {@value #JITTER} jittered, without a
 * limit on attempts. The one retry policy steady-sink has, used by the database writes
 * ({@link DatabaseRetry}) and the dead-letter hand-over ({@link PoisonRecordHandler}); each says
 * which failures it retries and what it reports before a retry.
 */
final class Backoff {

    /** Share of each wait that is random, so workers that failed together do not retry in step. */
    static final double JITTER = 0.25;

    /** Told before each retry. */
    @FunctionalInterface
    interface Retrying {

        /**
         * @param attempts attempts made so far, all failed
         * @param elapsed since the first attempt began
         * @param failure how the last attempt failed
         */
        void retrying(int attempts, Duration elapsed, Throwable failure);
    }

    private final FailsafeExecutor<Object> executor;

    /**
     * @param retryable whether a failure is retried; any other is rethrown at once
     * @param retrying told before each retry, e.g. to log and count it
     */
    Backoff(Duration initial, Duration max, Predicate<Throwable> retryable, Retrying retrying) {
        this.executor = Failsafe.with(RetryPolicy.builder()
                .handleIf(retryable::test)
                .withBackoff(initial, max)
                .withJitter(JITTER)
                .withMaxRetries(-1)
                .onRetry(event -> retrying.retrying(event.getAttemptCount(), event.getElapsedTime(),
                        event.getLastException()))
                .build());
    }

    /**
     * The wait before retry {@code retry} (counted from 1), without jitter: {@code initial}, doubled
     * for each retry after the first, at most {@code max}. The schedule this policy follows, for a
     * wait that cannot run through it: start-up's, which a stop request cuts short.
     */
    static Duration delay(int retry, Duration initial, Duration max) {
        Duration delay = initial;
        for (int i = 1; i < retry && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) < 0 ? delay : max;
    }

    /** Runs {@code attempt} until it succeeds or fails with a failure not retried, rethrown as it came. */
    <T> T get(CheckedSupplier<T> attempt) throws Exception {
        try {
            return executor.get(attempt);
        } catch (FailsafeException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Like {@link #get} for an attempt without a result. */
    void run(CheckedRunnable attempt) throws Exception {
        get(() -> {
            attempt.run();
            return null;
        });
    }
}
