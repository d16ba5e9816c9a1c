package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.steadysink.metrics.SinkMetrics;

/**
 * The batches being written right now, and per partition the last offset handed to a batch, so
 * revocation and shutdown can wait for them (bounded) and know what is safe to commit.
 */
@ApplicationScoped
public class InFlightBatches {

    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Batch> running = new ConcurrentHashMap<>();
    /** Next offset to commit per partition once every batch handed out so far has been written. */
    private final Map<TopicPartition, Long> handedOut = new ConcurrentHashMap<>();
    private final Set<TopicPartition> failed = ConcurrentHashMap.newKeySet();
    private final Object changed = new Object();

    InFlightBatches(SinkMetrics metrics) {
        metrics.inFlightBatches(this::count);
    }

    /** A batch being written: its partitions, when it started and when it last made progress. */
    public record Batch(long id, Set<TopicPartition> partitions, long startedNanos, AtomicLong progressNanos) {
    }

    /** The batch each worker thread is writing: a batch runs start to end on one thread. */
    private final ThreadLocal<Batch> current = new ThreadLocal<>();

    public Batch begin(ConsumerRecords<?, ?> records) {
        for (TopicPartition partition : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> ofPartition = records.records(partition);
            long next = ofPartition.get(ofPartition.size() - 1).offset() + 1;
            handedOut.merge(partition, next, Math::max);
        }
        long now = System.nanoTime();
        Batch batch = new Batch(ids.incrementAndGet(), records.partitions(), now, new AtomicLong(now));
        running.put(batch.id(), batch);
        current.set(batch);
        return batch;
    }

    /** Marks the batch finished; a batch that was not written blocks commits of its partitions. */
    public void end(Batch batch, boolean written) {
        if (!written) {
            failed.addAll(batch.partitions());
        }
        running.remove(batch.id());
        current.remove();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /**
     * Waits until every batch holding records of {@code partitions} has finished, then returns the
     * offsets that are now safe to commit for them: everything handed out was written. Empty when
     * the wait timed out or a batch failed: nothing more may be committed then.
     */
    public Optional<Map<TopicPartition, OffsetAndMetadata>> drain(Collection<TopicPartition> partitions,
            Duration timeout) throws InterruptedException {
        if (!awaitFinished(batch -> partitions.stream().anyMatch(batch.partitions()::contains), timeout)
                || partitions.stream().anyMatch(failed::contains)) {
            return Optional.empty();
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            Long next = handedOut.get(partition);
            if (next != null) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        }
        return Optional.of(offsets);
    }

    /** Waits until no batch is being written; {@code false} when {@code timeout} passed first. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return awaitFinished(batch -> true, timeout);
    }

    /** Drops what is known about partitions this member no longer (or newly) owns. */
    public void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(handedOut::remove);
        failed.removeAll(partitions);
    }

    /** Number of batches being written. */
    public int count() {
        return running.size();
    }

    /**
     * Notes that the batch of the calling worker thread made progress: a write attempt ended, or a
     * poison record was handed over.
     */
    public void progress() {
        Batch batch = current.get();
        if (batch != null) {
            batch.progressNanos().set(System.nanoTime());
        }
    }

    /** Longest time any running batch has gone without progress, zero when none runs. */
    public Duration longestWithoutProgress() {
        long now = System.nanoTime();
        return running.values().stream()
                .map(batch -> Duration.ofNanos(now - batch.progressNanos().get()))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    /** Whether a running batch holds records of {@code partition}. */
    public boolean isWriting(TopicPartition partition) {
        return running.values().stream().anyMatch(batch -> batch.partitions().contains(partition));
    }

    /** Age of the longest-running batch, zero when none runs. */
    public Duration oldestAge() {
        long now = System.nanoTime();
        return running.values().stream()
                .map(batch -> Duration.ofNanos(now - batch.startedNanos()))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    private boolean awaitFinished(Predicate<Batch> relevant, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changed) {
            while (running.values().stream().anyMatch(relevant)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
