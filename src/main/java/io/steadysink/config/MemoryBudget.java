package io.steadysink.config;

import java.util.Locale;

/**
 * The most heap that records in flight can take, computed from the settings that bound them, so that
 * the config doctor can refuse settings whose worst case does not fit the heap before any record is
 * read (docs/configuration.md, Memory budget, states the same formula).
 * <p>
 * Where records are held, all bounded by settings:
 * <ul>
 * <li>the Kafka consumer's fetch buffer: one fetch response ahead of the poll, at most
 * {@code fetch.max.bytes} (a response may exceed it by its first record batch, i.e. by one record);</li>
 * <li>the connector's queue: in batch mode it counts polled batches and pauses the partitions at
 * {@code max-queue-size-factor} of them, and may pass that by one;</li>
 * <li>the workers: {@code SINK_WORKERS} batches being written, each with its encoding for PostgreSQL (COPY
 * text, whose buffer doubles while it grows, or a parsed JSON tree), counted as {@value #WRITE_COPIES}
 * times the batch.</li>
 * </ul>
 * A batch is at most {@code max.poll.records} records and at most one fetch response, whichever is
 * less; each record is at most {@code SINK_MAX_RECORD_BYTES} (a larger one is refused as poison) plus
 * {@value #RECORD_OVERHEAD_BYTES} bytes of objects around its bytes. On top of the records comes what
 * the application holds without any: {@value #BASE_HEAP_MIB} MiB (measured, with headroom, after
 * start-up and while writing).
 */
public record MemoryBudget(long heapBytes, int workers, int queueFactor, int maxPollRecords, long maxRecordBytes,
        long fetchMaxBytes) {

    /** Heap the application holds besides records: classes' static data, pools, clients, metrics. */
    public static final long BASE_HEAP_MIB = 48;
    /** Objects around one record's key and value bytes (consumer record, headers, offsets, sink record). */
    public static final long RECORD_OVERHEAD_BYTES = 512;
    /** A batch being written counts this many times: its records, and their encoding as it grows. */
    public static final int WRITE_COPIES = 4;
    /** The connector's {@code max-queue-size-factor} when the channel does not set it. */
    public static final int DEFAULT_QUEUE_FACTOR = 2;

    private static final long MIB = 1024 * 1024;

    /** Bytes of one polled batch at most: its records, bounded by the poll's record count and a fetch. */
    public long batchBytes() {
        long byRecords = maxPollRecords * maxRecordBytes;
        long byFetch = fetchMaxBytes + maxRecordBytes;
        return Math.min(byRecords, byFetch) + maxPollRecords * RECORD_OVERHEAD_BYTES;
    }

    /** Batches the connector's queue may hold: its pause threshold, passed by at most one. */
    public int queuedBatches() {
        return queueFactor + 1;
    }

    /** The fetch response the consumer may hold ahead of the poll. */
    public long fetchBufferBytes() {
        return fetchMaxBytes + maxRecordBytes;
    }

    /** Worst-case heap for records: fetch buffer + queued batches + batches being written. */
    public long recordBytes() {
        return fetchBufferBytes() + queuedBatches() * batchBytes() + (long) workers * WRITE_COPIES * batchBytes();
    }

    /** Worst-case heap in all: the base plus {@link #recordBytes()}. */
    public long requiredBytes() {
        return BASE_HEAP_MIB * MIB + recordBytes();
    }

    public boolean fits() {
        return requiredBytes() <= heapBytes;
    }

    /** The figures, for the config doctor's message and the start-up log. */
    public String describe() {
        return String.format(Locale.ROOT,
                "%d MiB base + %d MiB fetch buffer + %d queued batch(es) and %d worker(s) x %d of %.1f MiB each"
                        + " (KAFKA_MAX_POLL_RECORDS=%d records of up to SINK_MAX_RECORD_BYTES=%d, at most"
                        + " KAFKA_FETCH_MAX_BYTES=%d per fetch) = %d MiB, heap %d MiB",
                BASE_HEAP_MIB, fetchBufferBytes() / MIB, queuedBatches(), workers, WRITE_COPIES,
                batchBytes() / (double) MIB, maxPollRecords, maxRecordBytes, fetchMaxBytes, mib(requiredBytes()),
                heapBytes / MIB);
    }

    private static long mib(long bytes) {
        return (bytes + MIB - 1) / MIB;
    }
}
