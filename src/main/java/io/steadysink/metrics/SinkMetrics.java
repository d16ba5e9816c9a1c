package io.steadysink.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.SinkRecord;

/**
 * Every meter steady-sink exports, declared once with its name, description and tags. Tags carry
 * topics, never record keys.
 */
@ApplicationScoped
public class SinkMetrics {

    public static final String RECORDS_WRITTEN = "steady_sink_records_written";
    public static final String BATCH_WRITE = "steady_sink_batch_write";
    public static final String REBALANCES = "steady_sink_rebalances";
    public static final String GROUP_GENERATION = "steady_sink_group_generation";
    public static final String IN_FLIGHT_BATCHES = "steady_sink_in_flight_batches";
    public static final String DB_RETRIES = "steady_sink_db_retries";
    public static final String RECORDS_DEAD_LETTERED = "steady_sink_records_dead_lettered";

    /** What a rebalance callback did to this member. */
    public enum RebalanceKind {
        ASSIGNED, REVOKED, LOST;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Timer batchWrite;
    private final Map<RebalanceKind, Counter> rebalances = new EnumMap<>(RebalanceKind.class);
    private final AtomicInteger generation = new AtomicInteger(-1);
    private final Counter databaseRetries;

    SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchWrite = Timer.builder(BATCH_WRITE)
                .description("Time to write and commit one batch in PostgreSQL")
                .publishPercentileHistogram()
                .register(registry);
        for (RebalanceKind kind : RebalanceKind.values()) {
            rebalances.put(kind, Counter.builder(REBALANCES)
                    .description("Rebalance callbacks that changed this member's partitions, by kind")
                    .tag("kind", kind.tag())
                    .register(registry));
        }
        databaseRetries = Counter.builder(DB_RETRIES)
                .description("Batch writes retried after a transient database error")
                .baseUnit("retries")
                .register(registry);
        Gauge.builder(GROUP_GENERATION, generation, AtomicInteger::get)
                .description("Consumer group generation at the last assignment (-1 before joining)")
                .register(registry);
    }

    /** Publishes the number of batches being written, as counted by {@code running}. */
    public void inFlightBatches(IntSupplier running) {
        Gauge.builder(IN_FLIGHT_BATCHES, running, IntSupplier::getAsInt)
                .description("Batches being written to PostgreSQL right now")
                .baseUnit("batches")
                .register(registry);
    }

    public void rebalance(RebalanceKind kind) {
        rebalances.get(kind).increment();
    }

    public void databaseRetry() {
        databaseRetries.increment();
    }

    public void groupGeneration(int generationId) {
        generation.set(generationId);
    }

    /** Records a committed batch: its write time and the records it carried, per topic. */
    public void batchWritten(List<SinkRecord> batch, long nanos) {
        batchWrite.record(Duration.ofNanos(nanos));
        Map<String, Integer> perTopic = new HashMap<>();
        for (SinkRecord record : batch) {
            perTopic.merge(record.topic(), 1, Integer::sum);
        }
        perTopic.forEach((topic, count) -> recordsWritten(topic).increment(count));
    }

    /** Counts a poison record handed to the failure strategy {@code strategy}, tagged by the rule it broke. */
    public void poisonRecord(String topic, InvalidRecordException.Defect defect, String strategy) {
        Counter.builder(RECORDS_DEAD_LETTERED)
                .description("Poison records taken out of the stream and handed to the failure strategy "
                        + "(the dead-letter topic unless SINK_FAILURE_STRATEGY says otherwise), by source topic, "
                        + "the rule the record broke and the strategy")
                .tag("topic", topic)
                .tag("reason", defect.tag())
                .tag("strategy", strategy)
                .register(registry)
                .increment();
    }

    private Counter recordsWritten(String topic) {
        return Counter.builder(RECORDS_WRITTEN)
                .description("Records written to PostgreSQL (replays included), by source topic")
                .tag("topic", topic)
                .register(registry);
    }
}
