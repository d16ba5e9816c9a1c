package io.steadysink.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.steadysink.sink.SinkRecord;

/**
 * Every meter steady-sink exports, declared once with its name, description and tags. Tags carry
 * topics, never record keys.
 */
@ApplicationScoped
public class SinkMetrics {

    public static final String RECORDS_WRITTEN = "steady_sink_records_written";
    public static final String BATCH_WRITE = "steady_sink_batch_write";

    private final MeterRegistry registry;
    private final Timer batchWrite;

    SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchWrite = Timer.builder(BATCH_WRITE)
                .description("Time to write and commit one batch in PostgreSQL")
                .publishPercentileHistogram()
                .register(registry);
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

    private Counter recordsWritten(String topic) {
        return Counter.builder(RECORDS_WRITTEN)
                .description("Records written to PostgreSQL (replays included), by source topic")
                .baseUnit("records")
                .tag("topic", topic)
                .register(registry);
    }
}
