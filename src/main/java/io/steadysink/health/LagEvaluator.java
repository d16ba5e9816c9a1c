package io.steadysink.health;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.TopicPartition;

import io.steadysink.consumer.Ticker;

/**
 * Turns each read of the partitions' offsets into their lag: records between the position and the
 * log end; the age in seconds of the oldest record not yet committed; and a Burrow-style
 * {@link LagStatus} over the last {@value LagStatus#WINDOW} reads, kept per partition. The age is
 * the wall-clock time since the timestamp of the fetched chunk that holds the position; when no
 * fetched chunk holds it (not fetched yet), the time since the partition was first read behind.
 * A partition is active while one of its batches is being written or it had records fetched or
 * offsets committed within the window, which tells STALL from STOP.
 * <p>
 * Plain Java. Two clocks, on purpose: durations on this process's own timeline (behind since,
 * activity) on the monotonic {@link Ticker}, which a wall-clock step cannot bend; the age of a
 * record on the wall clock, because record timestamps are epoch milliseconds.
 */
final class LagEvaluator {

    /** What the consumer knows about a partition's fetches and writes. */
    interface Fetches {

        /** Timestamp (epoch ms) of the fetched chunk holding {@code offset}; empty when none does. */
        OptionalLong timestampAt(TopicPartition partition, long offset);

        /** When records were last fetched or offsets committed ({@link Ticker} nanoseconds), if ever. */
        OptionalLong lastActivity(TopicPartition partition);

        /** Whether a batch holding records of the partition is being written. */
        boolean isWriting(TopicPartition partition);
    }

    private final long windowNanos;
    private final Ticker ticker;
    private final InstantSource wallClock;
    private final Fetches fetches;
    private final Map<TopicPartition, Deque<LagStatus.Sample>> history = new ConcurrentHashMap<>();
    /** Per partition behind at the last read: when it was first read behind ({@link Ticker} nanoseconds). */
    private final Map<TopicPartition, Long> behindSince = new ConcurrentHashMap<>();

    /** @param interval {@code SINK_LAG_INTERVAL_MS}, the time between two reads */
    LagEvaluator(Duration interval, Ticker ticker, InstantSource wallClock, Fetches fetches) {
        this.windowNanos = interval.toNanos() * LagStatus.WINDOW;
        this.ticker = ticker;
        this.wallClock = wallClock;
        this.fetches = fetches;
    }

    /**
     * Adds one read to each partition's history and returns their lag, by topic and partition.
     * Called by one thread at a time.
     *
     * @param read each partition's position and log end
     */
    List<PartitionLag> evaluate(Map<TopicPartition, LagReader.Offsets> read) {
        long nowNanos = ticker.nanos();
        long nowMillis = wallClock.millis();
        List<PartitionLag> lag = new ArrayList<>();
        read.forEach((partition, offsets) -> {
            long records = Math.max(0, offsets.end() - offsets.position());
            double seconds = 0;
            if (records > 0) {
                OptionalLong timestamp = fetches.timestampAt(partition, offsets.position());
                long since = behindSince.computeIfAbsent(partition, p -> nowNanos);
                seconds = timestamp.isPresent() && timestamp.getAsLong() > 0
                        ? Math.max(0, nowMillis - timestamp.getAsLong()) / 1000.0
                        : (nowNanos - since) / 1e9;
            } else {
                behindSince.remove(partition);
            }
            Deque<LagStatus.Sample> samples = history.computeIfAbsent(partition, p -> new ArrayDeque<>());
            samples.addLast(new LagStatus.Sample(offsets.position(), records));
            while (samples.size() > LagStatus.WINDOW) {
                samples.removeFirst();
            }
            lag.add(new PartitionLag(partition, records, seconds,
                    LagStatus.of(List.copyOf(samples), active(partition, nowNanos))));
        });
        lag.sort(Comparator.comparing((PartitionLag p) -> p.partition().topic())
                .thenComparingInt(p -> p.partition().partition()));
        return lag;
    }

    /** Forgets the history of partitions that left this member (or came back as new). */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(partition -> {
            history.remove(partition);
            behindSince.remove(partition);
        });
    }

    private boolean active(TopicPartition partition, long nowNanos) {
        if (fetches.isWriting(partition)) {
            return true;
        }
        OptionalLong activity = fetches.lastActivity(partition);
        return activity.isPresent() && nowNanos - activity.getAsLong() < windowNanos;
    }
}
