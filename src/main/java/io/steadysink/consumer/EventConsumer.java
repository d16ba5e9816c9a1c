package io.steadysink.consumer;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.steadysink.failure.DatabaseRetry;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.SinkRecord;

/** Hands each polled batch to the PostgreSQL sink. */
@ApplicationScoped
public class EventConsumer {

    private final PostgresSink sink;
    private final DatabaseRetry retry;
    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;

    EventConsumer(PostgresSink sink, DatabaseRetry retry, InFlightBatches inFlight, SinkMetrics metrics) {
        this.sink = sink;
        this.retry = retry;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    /**
     * Blocks on a database transaction, so it runs on the {@value Channels#SINK_WRITERS} pool and
     * never on the polling thread or the event loop. Unordered on purpose: batches run in parallel
     * (appends are keyed by their coordinates, upserts by the offset guard) and the throttled commit
     * strategy only commits the highest contiguous processed offset per partition. Transient
     * database errors are retried here, in place, for as long as they last. The batch is
     * acknowledged when this method returns, after the transaction has committed.
     */
    @Incoming(Channels.EVENTS)
    @Blocking(value = Channels.SINK_WRITERS, ordered = false)
    public void consume(ConsumerRecords<byte[], byte[]> records) throws Exception {
        List<SinkRecord> batch = SinkRecord.of(records);
        InFlightBatches.Batch running = inFlight.begin(records);
        boolean written = false;
        try {
            retry.run(() -> sink.write(batch));
            written = true;
            metrics.batchWritten(batch, System.nanoTime() - running.startedNanos());
        } finally {
            inFlight.end(running, written);
        }
    }
}
