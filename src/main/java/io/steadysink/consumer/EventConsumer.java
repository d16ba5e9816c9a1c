package io.steadysink.consumer;

import java.sql.SQLException;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.SinkRecord;

/** Hands each polled batch to the PostgreSQL sink. */
@ApplicationScoped
public class EventConsumer {

    private final PostgresSink sink;
    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;

    EventConsumer(PostgresSink sink, InFlightBatches inFlight, SinkMetrics metrics) {
        this.sink = sink;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    /**
     * Blocks on a database transaction, so it runs on the {@value Channels#SINK_WRITERS} pool and
     * never on the polling thread or the event loop. Unordered on purpose: batches run in parallel
     * (appends are keyed by their coordinates, upserts by the offset guard) and the throttled commit
     * strategy only commits the highest contiguous processed offset per partition. The batch is
     * acknowledged when this method returns, after the transaction has committed.
     */
    @Incoming(Channels.EVENTS)
    @Blocking(value = Channels.SINK_WRITERS, ordered = false)
    public void consume(ConsumerRecords<byte[], byte[]> records) throws SQLException {
        List<SinkRecord> batch = SinkRecord.of(records);
        InFlightBatches.Batch running = inFlight.begin(records);
        boolean written = false;
        try {
            sink.write(batch);
            written = true;
            metrics.batchWritten(batch, System.nanoTime() - running.startedNanos());
        } finally {
            inFlight.end(running, written);
        }
    }
}
