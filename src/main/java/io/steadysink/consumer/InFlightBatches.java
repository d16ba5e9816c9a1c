package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.steadysink.metrics.SinkMetrics;

/**
 * The batches being written right now, and (through the {@link FetchLedger}) which fetched records
 * are written, so revocation and shutdown can wait for running batches (bounded) and know what is
 * safe to commit: per partition, only up to the end of the contiguous written records in fetch
 * order. A batch the connector has handed out but whose worker has not begun is as unwritten as
 * one still running. Its size is the bookkeeping of one rule (what may be committed); the
 * fetch order it is judged in lives in the ledger.
 */
@ApplicationScoped
public class InFlightBatches {

    private static final Logger LOG = Logger.getLogger(InFlightBatches.class);

    private final FetchLedger ledger;
    private final Ticker ticker;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Batch> running = new ConcurrentHashMap<>();
    private final Object changed = new Object();

    @Inject
    InFlightBatches(SinkMetrics metrics, Ticker ticker) {
        this(FetchLedger.ofConsumer(), ticker);
        metrics.inFlightBatches(this::count);
    }

    /**
     * @param ledger what the consumer fetched
     * @param ticker the clock every age and wait is measured with
     */
    InFlightBatches(FetchLedger ledger, Ticker ticker) {
        this.ledger = ledger;
        this.ticker = ticker;
    }

    /** A batch being written: its records, when it started and when it last made progress. */
    public record Batch(long id, ConsumerRecords<?, ?> records, long startedNanos, AtomicLong progressNanos) {

        public Set<TopicPartition> partitions() {
            return records.partitions();
        }
    }

    /** The batch each worker thread is writing: a batch runs start to end on one thread. */
    private final ThreadLocal<Batch> current = new ThreadLocal<>();

    public Batch begin(ConsumerRecords<?, ?> records) {
        long now = ticker.nanos();
        Batch batch = new Batch(ids.incrementAndGet(), records, now, new AtomicLong(now));
        running.put(batch.id(), batch);
        current.set(batch);
        return batch;
    }

    /**
     * Marks the batch finished. Only a written batch (every record in the table or handed to the
     * failure strategy) lets commits pass its records; any other leaves them uncommitted.
     */
    public void end(Batch batch, boolean written) {
        if (written) {
            ledger.written(batch.records());
        }
        running.remove(batch.id());
        current.remove();
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /**
     * Waits until no running batch holds records of {@code partitions}; {@code false} when
     * {@code timeout} passed first.
     */
    public boolean awaitFinished(Collection<TopicPartition> partitions, Duration timeout) throws InterruptedException {
        return awaitFinished(batch -> partitions.stream().anyMatch(batch.partitions()::contains), timeout);
    }

    /**
     * The offsets that may be committed for {@code partitions} that are leaving this member: the
     * consumer's position where every record fetched so far is written (the records between the
     * last written one and the position are transaction markers or aborted records), otherwise the
     * end of the contiguous written records. Only offsets past the last commit.
     *
     * @param position the consumer's position of a partition, empty when unknown
     */
    public Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> partitions,
            Function<TopicPartition, OptionalLong> position) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OptionalLong through = ledger.allWritten(partition)
                    ? pastCommitted(partition, position.apply(partition))
                    : OptionalLong.empty();
            if (through.isEmpty()) {
                through = ledger.writtenThrough(partition);
            }
            through.ifPresent(offset -> offsets.put(partition, new OffsetAndMetadata(offset)));
        }
        return offsets;
    }

    /**
     * The positions to commit for owned partitions whose every fetched record is written and
     * already committed, where the position is further (past transaction markers or aborted
     * records, which the connector's commit of the last record never covers).
     */
    Map<TopicPartition, OffsetAndMetadata> settledPositions(Collection<TopicPartition> partitions,
            Function<TopicPartition, OptionalLong> position) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            if (ledger.settled(partition)) {
                pastCommitted(partition, position.apply(partition))
                        .ifPresent(offset -> offsets.put(partition, new OffsetAndMetadata(offset)));
            }
        }
        return offsets;
    }

    /**
     * Commits {@link #settledPositions} of the consumer's assigned partitions, so a partition whose
     * records are all in the table shows no lag even when a transaction marker follows the last
     * record. Must run on the polling thread, between two polls. It is safe because the connector's
     * consumer hands every fetched record through {@code poll()}, where the ledger records it before
     * the position moves past it: with every recorded chunk written, the only offsets between the
     * last commit and the position are records {@code poll()} never returns (transaction markers,
     * records of aborted transactions). Waiting for the connector's own commit first (settled)
     * keeps the two from committing over each other.
     */
    public void commitSettled(Consumer<?, ?> consumer) {
        Map<TopicPartition, OffsetAndMetadata> offsets = settledPositions(consumer.assignment(),
                partition -> position(consumer, partition));
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            LOG.debugf("Committed up to the consumer's position past records poll() never returns: %s", offsets);
        } catch (KafkaException e) {
            LOG.debugf("Could not commit settled partitions %s (%s); tried again at the next lag refresh", offsets,
                    e.toString());
        }
    }

    /** The last offsets known committed for {@code partitions}, where one was seen since assignment. */
    public Map<TopicPartition, OffsetAndMetadata> lastCommitted(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            ledger.committed(partition).ifPresent(offset -> offsets.put(partition, new OffsetAndMetadata(offset)));
        }
        return offsets;
    }

    /** The consumer's position of {@code partition}, empty when it is not known without waiting. */
    public static OptionalLong position(Consumer<?, ?> consumer, TopicPartition partition) {
        try {
            return OptionalLong.of(consumer.position(partition, Duration.ZERO));
        } catch (KafkaException | IllegalStateException e) {
            return OptionalLong.empty(); // not fetched yet, or no longer assigned
        }
    }

    private OptionalLong pastCommitted(TopicPartition partition, OptionalLong position) {
        long committed = ledger.committed(partition).orElse(-1);
        return position.isPresent() && position.getAsLong() > committed ? position : OptionalLong.empty();
    }

    /** Waits until no batch is being written; {@code false} when {@code timeout} passed first. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return awaitFinished(batch -> true, timeout);
    }

    /** Drops what is known about partitions this member no longer (or newly) owns. */
    public void forget(Collection<TopicPartition> partitions) {
        ledger.forget(partitions);
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
            batch.progressNanos().set(ticker.nanos());
        }
    }

    /** How long {@code batch} has been running. */
    public Duration age(Batch batch) {
        return Duration.ofNanos(ticker.nanos() - batch.startedNanos());
    }

    /** Longest time any running batch has gone without progress, zero when none runs. */
    public Duration longestWithoutProgress() {
        long now = ticker.nanos();
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
        return running.values().stream()
                .map(this::age)
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }

    private boolean awaitFinished(Predicate<Batch> relevant, Duration timeout) throws InterruptedException {
        long deadline = ticker.nanos() + timeout.toNanos();
        synchronized (changed) {
            while (running.values().stream().anyMatch(relevant)) {
                long left = deadline - ticker.nanos();
                if (left <= 0) {
                    return false;
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }
}
