package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Watches the consumer from its own polling thread (a Kafka {@code interceptor.classes} entry, so
 * Kafka creates it): for every fetched chunk it remembers the first offset and that record's
 * timestamp, and when each partition last saw records or a commit. That is how the lag in seconds
 * (age of the oldest record not yet committed) is known without reading from Kafka again. It also
 * reports every poll and every confirmed commit to the consumer's {@link FetchLedger}, which decides
 * what steady-sink may commit itself. State is static because Kafka, not CDI, instantiates
 * interceptors; there is one consumer per process. For the same reason its clock is static:
 * {@link Ticker#SYSTEM}, the one the composition root gives everyone else, unless a test sets another.
 * <p>
 * It also notes, per polled batch (the connector hands each poll's records on as one batch), when it
 * was polled and how old its oldest record was then, for the worker that takes it up
 * ({@link #polled}).
 */
@RegisterForReflection
public class PollObserver implements ConsumerInterceptor<Object, Object> {

    /** Per partition: first offset of each fetched chunk not yet committed → its timestamp (epoch ms). */
    private static final Map<TopicPartition, ConcurrentSkipListMap<Long, Long>> CHUNKS = new ConcurrentHashMap<>();
    /** Per partition: when records were last fetched or committed ({@link #ticker}). */
    private static final Map<TopicPartition, Long> ACTIVITY = new ConcurrentHashMap<>();

    /**
     * Per polled batch not yet taken up by a worker: when it was polled. Weak keys (by identity:
     * {@code ConsumerRecords} keeps {@code Object}'s equality), so a batch never taken up (revoked,
     * dropped at shutdown) takes its entry with it.
     */
    private static final Map<ConsumerRecords<?, ?>, Polled> POLLED = Collections.synchronizedMap(new WeakHashMap<>());

    private static volatile Ticker ticker = Ticker.SYSTEM;

    /**
     * When a batch was polled ({@link Ticker} nanoseconds) and how long its oldest record had been in
     * the topic by then (wall clock minus the record's timestamp, at least zero; empty when no record
     * of the batch has a timestamp).
     */
    public record Polled(long nanos, Optional<Duration> oldestRecordAge) {
    }

    /** Stamps activity with {@code clock} from now on (tests; production keeps {@link Ticker#SYSTEM}). */
    public static void useTicker(Ticker clock) {
        ticker = clock;
    }

    @Override
    public ConsumerRecords<Object, Object> onConsume(ConsumerRecords<Object, Object> records) {
        FetchLedger.ofConsumer().fetched(records);
        long now = ticker.nanos();
        long oldest = Long.MAX_VALUE;
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<Object, Object>> fetched = records.records(partition);
            ConsumerRecord<Object, Object> first = fetched.get(0);
            CHUNKS.computeIfAbsent(partition, p -> new ConcurrentSkipListMap<>()).put(first.offset(),
                    first.timestamp());
            ACTIVITY.put(partition, now);
            if (first.timestamp() >= 0) {
                oldest = Math.min(oldest, first.timestamp());
            }
        }
        if (!records.isEmpty()) {
            Optional<Duration> age = oldest == Long.MAX_VALUE
                    ? Optional.empty()
                    : Optional.of(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - oldest)));
            POLLED.put(records, new Polled(now, age));
        }
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        FetchLedger.ofConsumer().committed(offsets);
        long now = ticker.nanos();
        offsets.forEach((partition, committed) -> {
            ACTIVITY.put(partition, now);
            ConcurrentSkipListMap<Long, Long> chunks = CHUNKS.get(partition);
            if (chunks != null) {
                Long floor = chunks.floorKey(committed.offset());
                if (floor != null) {
                    chunks.headMap(floor).clear();
                }
            }
        });
    }

    /**
     * Timestamp (epoch ms) of the record at {@code offset}, or of the chunk it was fetched in (its
     * first record, never younger); empty when no fetched chunk covers it.
     */
    public static OptionalLong timestampAt(TopicPartition partition, long offset) {
        ConcurrentSkipListMap<Long, Long> chunks = CHUNKS.get(partition);
        Entry<Long, Long> chunk = chunks == null ? null : chunks.floorEntry(offset);
        return chunk == null ? OptionalLong.empty() : OptionalLong.of(chunk.getValue());
    }

    /**
     * When {@code records} were polled, taken out: empty when they were not polled through this
     * observer or were already taken.
     */
    public static Optional<Polled> polled(ConsumerRecords<?, ?> records) {
        return Optional.ofNullable(POLLED.remove(records));
    }

    /**
     * When the partition last had records fetched or offsets committed ({@link Ticker} nanoseconds),
     * empty when neither happened since it was assigned.
     */
    public static OptionalLong lastActivity(TopicPartition partition) {
        Long at = ACTIVITY.get(partition);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    /** Forgets partitions this member no longer owns. */
    public static void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(partition -> {
            CHUNKS.remove(partition);
            ACTIVITY.remove(partition);
        });
    }

    @Override
    public void close() {
        // state outlives the consumer instance: GroupMembership clears it per partition
    }

    @Override
    public void configure(Map<String, ?> configs) {
        // nothing to configure
    }
}
