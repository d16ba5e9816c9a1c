package io.steadysink.failure;

import java.time.Duration;

import org.jboss.logging.Logger;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.function.CheckedRunnable;
import dev.failsafe.function.CheckedSupplier;

/**
 * Retries a batch write in place while the database fails transiently: exponential backoff with
 * jitter, without a limit on attempts. The worker stays on its batch, the connector pauses the
 * partitions once its queue fills and keeps polling, so the consumer stays in its group and resumes
 * exactly where it stopped when the database is back.
 */
public final class DatabaseRetry {

    private static final Logger LOG = Logger.getLogger(DatabaseRetry.class);

    private final FailsafeExecutor<Object> executor;
    private final Attempts attempts;

    /** Told how each attempt ended, e.g. to count retries and judge whether the database answers. */
    @FunctionalInterface
    public interface Attempts {

        /** An attempt failed transiently and will be retried. */
        void retrying();

        /** An attempt got an answer from the database: success, or a failure that is not transient. */
        default void answered() {
        }
    }

    public DatabaseRetry(Duration initialBackoff, Duration maxBackoff, Attempts attempts) {
        this.attempts = attempts;
        RetryPolicy<Object> policy = RetryPolicy.builder()
                .handleIf(TransientErrors::isTransient)
                .withBackoff(initialBackoff, maxBackoff)
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(event -> {
                    attempts.retrying();
                    LOG.warnf("Transient database error, retry %d of the batch after %s: %s", event.getAttemptCount(),
                            event.getElapsedTime(), event.getLastException());
                })
                .build();
        this.executor = Failsafe.with(policy);
    }

    /** Runs {@code write}, retrying transient failures; rethrows anything else as it came. */
    public void run(CheckedRunnable write) throws Exception {
        call(() -> {
            write.run();
            return null;
        });
    }

    /** Like {@link #run} for a write that returns a result. */
    public <T> T call(CheckedSupplier<T> write) throws Exception {
        try {
            return executor.get(() -> {
                try {
                    T result = write.get();
                    attempts.answered();
                    return result;
                } catch (Exception e) {
                    if (!TransientErrors.isTransient(e)) {
                        attempts.answered();
                    }
                    throw e;
                }
            });
        } catch (FailsafeException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
