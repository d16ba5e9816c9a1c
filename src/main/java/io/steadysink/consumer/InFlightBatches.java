package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.TopicPartition;

import io.steadysink.metrics.SinkMetrics;

/**
 * The batches being written right now and the partitions they came from, so revocation and
 * shutdown can wait for them (bounded) instead of guessing.
 */
@ApplicationScoped
public class InFlightBatches {

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Batch> running = new ConcurrentHashMap<>();
    private final Object changed = new Object();

    InFlightBatches(SinkMetrics metrics) {
        metrics.inFlightBatches(this::count);
    }

    /** A batch being written: its partitions and when it started. */
    public record Batch(long id, Set<TopicPartition> partitions, long startedNanos) {
    }

    public Batch begin(Set<TopicPartition> partitions) {
        Batch batch = new Batch(ids.incrementAndGet(), partitions, System.nanoTime());
        running.put(batch.id(), batch);
        return batch;
    }

    public void end(Batch batch) {
        running.remove(batch.id());
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /**
     * Waits until no running batch holds records of {@code partitions}.
     *
     * @return {@code true} when drained, {@code false} when {@code timeout} passed first
     */
    public boolean awaitDrained(Collection<TopicPartition> partitions, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (holdsAny(partitions)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** Number of batches being written. */
    public int count() {
        return running.size();
    }

    /** Age of the longest-running batch, zero when none runs. */
    public Duration oldestAge() {
        long now = System.nanoTime();
        return running.values().stream()
                .map(batch -> Duration.ofNanos(now - batch.startedNanos()))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    private boolean holdsAny(Collection<TopicPartition> partitions) {
        return running.values().stream().anyMatch(batch -> partitions.stream().anyMatch(batch.partitions()::contains));
    }
}
