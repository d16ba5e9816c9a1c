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

    /** @param onRetry called before every retry, e.g. to count it */
    public DatabaseRetry(Duration initialBackoff, Duration maxBackoff, Runnable onRetry) {
        RetryPolicy<Object> policy = RetryPolicy.builder()
                .handleIf(TransientErrors::isTransient)
                .withBackoff(initialBackoff, maxBackoff)
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(event -> {
                    onRetry.run();
                    LOG.warnf("Transient database error, retry %d of the batch after %s: %s", event.getAttemptCount(),
                            event.getElapsedTime(), event.getLastException());
                })
                .build();
        this.executor = Failsafe.with(policy);
    }

    /** Runs {@code write}, retrying transient failures; rethrows anything else as it came. */
    public void run(CheckedRunnable write) throws Exception {
        try {
            executor.run(write);
        } catch (FailsafeException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Like {@link #run} for a write that returns a result. */
    public <T> T call(CheckedSupplier<T> write) throws Exception {
        try {
            return executor.get(write);
        } catch (FailsafeException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
