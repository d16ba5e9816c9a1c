package io.steadysink.consumer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the consumer fetched, per partition and in fetch order, and which of it is written: the
 * only basis for an offset steady-sink commits itself. Each poll's records of one partition form
 * one chunk; the connector hands a poll out as one batch, so a batch's slice of a partition is
 * exactly one chunk (revocation may drop partitions from a queued batch, never split a slice).
 * <p>
 * Chunks are recorded on the polling thread inside {@code poll()}, before the connector sees the
 * records, so a batch can never be written, or a revocation drain run, before its chunk is known.
 * A chunk is matched to its batch by the identity of its first record (not by offset), so a batch
 * of an earlier ownership of the partition that ends late can never mark a re-fetched chunk written.
 * Written chunks are dropped once a commit covers them; meanwhile they hold offsets only, not records.
 * Thread-safe.
 */
public final class FetchLedger {

    /**
     * The ledger of this process's consumer. Kafka, not CDI, creates the interceptor that feeds it
     * ({@link PollObserver}), so the two meet here; there is one consumer per application.
     */
    private static final FetchLedger CONSUMER = new FetchLedger();

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    /** The ledger of the channel's consumer, shared by its interceptor and {@link InFlightBatches}. */
    public static FetchLedger ofConsumer() {
        return CONSUMER;
    }

    /**
     * One poll's records of a partition: from its record {@code first} up to (not including) {@code end}.
     * Once written, the chunk lets go of {@code first}: it waits for a commit (up to the commit interval)
     * and must not keep the record's key and value alive meanwhile.
     */
    private static final class Chunk {
        ConsumerRecord<?, ?> first;
        final long end;
        boolean written;

        Chunk(ConsumerRecord<?, ?> first, long end) {
            this.first = first;
            this.end = end;
        }
    }

    private static final class Partition {
        final List<Chunk> chunks = new ArrayList<>();
        /** Last offset committed for the partition since it was assigned, -1 when none was seen. */
        long committed = -1;

        void prune() {
            chunks.removeIf(chunk -> chunk.written && chunk.end <= committed);
        }
    }

    /** Records a poll's records, one chunk per partition. Polling thread, inside {@code poll()}. */
    public synchronized void fetched(ConsumerRecords<?, ?> records) {
        for (TopicPartition partition : records.partitions()) {
            List<? extends ConsumerRecord<?, ?>> fetched = records.records(partition);
            if (!fetched.isEmpty()) {
                partitions.computeIfAbsent(partition, p -> new Partition()).chunks
                        .add(new Chunk(fetched.get(0), fetched.get(fetched.size() - 1).offset() + 1));
            }
        }
    }

    /** Records offsets the consumer committed. Polling thread, when the broker confirmed them. */
    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> {
            Partition state = partitions.computeIfAbsent(partition, p -> new Partition());
            state.committed = offset.offset();
            state.prune();
        });
    }

    /** Marks the chunks of {@code batch} written (in the table or handed to the failure strategy). */
    synchronized void written(ConsumerRecords<?, ?> batch) {
        for (TopicPartition partition : batch.partitions()) {
            Partition state = partitions.get(partition);
            List<? extends ConsumerRecord<?, ?>> records = batch.records(partition);
            if (state == null || records.isEmpty()) {
                continue; // forgotten meanwhile: the partition left this member
            }
            ConsumerRecord<?, ?> first = records.get(0);
            for (Chunk chunk : state.chunks) {
                if (chunk.first == first) {
                    chunk.written = true;
                    chunk.first = null;
                }
            }
            state.prune();
        }
    }

    /**
     * The offset below which every record fetched for {@code partition} is written: the end of the
     * longest run of written chunks from the oldest one on. Empty when that is not past the last
     * committed offset (nothing new to commit).
     */
    synchronized OptionalLong writtenThrough(TopicPartition partition) {
        Partition state = partitions.get(partition);
        if (state == null) {
            return OptionalLong.empty();
        }
        long through = -1;
        for (Chunk chunk : state.chunks) {
            if (!chunk.written) {
                break;
            }
            through = Math.max(through, chunk.end);
        }
        return through > state.committed ? OptionalLong.of(through) : OptionalLong.empty();
    }

    /** Whether every record fetched for {@code partition} since it was assigned is written. */
    synchronized boolean allWritten(TopicPartition partition) {
        Partition state = partitions.get(partition);
        return state == null || state.chunks.stream().allMatch(chunk -> chunk.written);
    }

    /**
     * Whether every record fetched for {@code partition} since it was assigned is written and
     * committed (also when nothing was fetched).
     */
    synchronized boolean settled(TopicPartition partition) {
        Partition state = partitions.get(partition);
        return state == null || state.chunks.isEmpty();
    }

    /** The last offset committed for {@code partition} since it was assigned, if any. */
    synchronized OptionalLong committed(TopicPartition partition) {
        Partition state = partitions.get(partition);
        return state == null || state.committed < 0 ? OptionalLong.empty() : OptionalLong.of(state.committed);
    }

    /** Drops what is known about partitions this member no longer (or newly) owns. */
    synchronized void forget(Collection<TopicPartition> forgotten) {
        forgotten.forEach(partitions::remove);
    }
}
