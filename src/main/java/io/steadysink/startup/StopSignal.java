package io.steadysink.startup;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stop requested by SIGTERM or SIGINT, for the code that runs before Quarkus can act on it: a stop
 * asked for during start-up only takes effect once start-up ends, so whatever waits during start-up
 * waits on this signal too and gives up at once. {@link #process()} is the one the signal handlers
 * release.
 */
public final class StopSignal {

    private static final StopSignal PROCESS = new StopSignal();

    private final CountDownLatch requested = new CountDownLatch(1);

    /** The process's signal, released by the TERM and INT handlers. */
    public static StopSignal process() {
        return PROCESS;
    }

    public void request() {
        requested.countDown();
    }

    public boolean requested() {
        return requested.getCount() == 0;
    }

    /**
     * Waits up to {@code duration} for a stop; returns whether one was requested (before or
     * meanwhile). An interrupted wait counts as a stop.
     */
    public boolean await(Duration duration) {
        try {
            return requested.await(Math.max(0, duration.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
