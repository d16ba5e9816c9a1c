package io.steadysink.consumer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import io.steadysink.config.Channels;
import io.steadysink.config.SinkConfig;
import io.steadysink.failure.FatalStop;
import io.steadysink.failure.IsolatingWriter;
import io.steadysink.failure.PoisonRecordHandler;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.SinkRecord;

/** Hands each polled batch to the PostgreSQL sink. */
@ApplicationScoped
public class EventConsumer {

    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final IsolatingWriter writer;
    private final PoisonRecordHandler poison;
    private final FatalStop fatal;
    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;
    private final String mode;

    EventConsumer(IsolatingWriter writer, PoisonRecordHandler poison, FatalStop fatal, InFlightBatches inFlight,
            SinkMetrics metrics, SinkConfig config) {
        this.mode = config.parsedMode().configName();
        this.writer = writer;
        this.poison = poison;
        this.fatal = fatal;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    /**
     * Blocks on database transactions, so it runs on the {@value Channels#SINK_WRITERS} pool and
     * never on the polling thread or the event loop. Unordered on purpose: batches run in parallel
     * (appends are keyed by their coordinates, upserts by the offset guard) and the throttled commit
     * strategy only commits the highest contiguous processed offset per partition.
     * <p>
     * The valid records are written (transient errors retried in place for as long as they last),
     * each poison record is handed alone to the failure strategy, and each partition of the batch is
     * acknowledged once all its records are in the table or with the strategy. A fatal failure stops
     * the consumer and leaves the batch unacknowledged, so nothing from it on is committed; after such
     * a stop no batch is written or acknowledged.
     */
    @Incoming(Channels.EVENTS)
    @Blocking(value = Channels.SINK_WRITERS, ordered = false)
    public CompletionStage<Void> consume(KafkaRecordBatch<byte[], byte[]> batch) {
        @SuppressWarnings("unchecked")
        ConsumerRecords<byte[], byte[]> records = batch.getMetadata(IncomingKafkaRecordBatchMetadata.class)
                .orElseThrow().getRecords();
        InFlightBatches.Batch running = inFlight.begin(records);
        PollObserver.polled(records).ifPresent(polled -> metrics.batchStarted(
                Duration.ofNanos(Math.max(0, running.startedNanos() - polled.nanos())), polled.oldestRecordAge()));
        boolean done = false;
        try {
            if (fatal.stopped().isPresent()) {
                return CompletableFuture.completedFuture(null); // queued before the stop: never written, re-delivered
            }
            List<SinkRecord> sinkRecords = SinkRecord.of(records);
            IsolatingWriter.Outcome outcome = writer.write(sinkRecords);
            metrics.batchWritten(outcome.written().stream().map(SinkRecord::topic).toList(), inFlight.age(running));
            metrics.recordsSkipped(mode, outcome.unchanged());
            if (fatal.stopped().isPresent()) {
                // e.g. a recreated topic found while this batch ran: nothing more is committed
                LOG.infof("Batch of %d records not acknowledged: the consumer stopped", records.count());
                return CompletableFuture.completedFuture(null);
            }
            CompletionStage<Void> acknowledged = poison.settle(batch, outcome.rejected());
            done = true;
            return acknowledged;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.infof("Batch of %d records abandoned at shutdown; it is not committed and will be re-delivered",
                    records.count());
        } catch (Exception e) {
            fatal.stop(e);
        } finally {
            inFlight.end(running, done);
        }
        return CompletableFuture.completedFuture(null);
    }
}
