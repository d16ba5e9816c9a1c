package io.steadysink.failure;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a {@link DatabaseRetry} reported: retries, statement timeouts, unanswered attempts, timed-out
 * writes that ended, and the writes still timing out.
 */
final class RecordingAttempts implements DatabaseRetry.Attempts {

    final AtomicInteger retries = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();
    final AtomicInteger unanswered = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final Map<Object, String> stuck = new ConcurrentHashMap<>();

    @Override
    public void retrying() {
        retries.incrementAndGet();
    }

    @Override
    public void unanswered() {
        unanswered.incrementAndGet();
    }

    @Override
    public void timedOut(Object write, String description) {
        timeouts.incrementAndGet();
        stuck.put(write, description);
    }

    @Override
    public void timeoutsEnded(Object write) {
        ended.incrementAndGet();
        stuck.remove(write);
    }
}
