package io.steadysink.failure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.steadysink.config.FailureStrategy;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.Origin;
import io.steadysink.sink.SinkRecord;

/**
 * Hands each poison record, alone, to the channel's failure strategy ({@code SINK_FAILURE_STRATEGY})
 * by nacking that one record: {@code dead-letter-queue} publishes it with the {@code dead-letter-*}
 * headers, {@code ignore} skips it, {@code fail} stops the consumer. The call returns only once the strategy has acknowledged the record (e.g.
 * the dead-letter topic has it), so its offset can be committed; while the dead-letter topic is
 * unreachable it retries with backoff and nothing past the record is committed.
 */
public final class PoisonRecordHandler {

    private static final Logger LOG = Logger.getLogger(PoisonRecordHandler.class);

    /** Dead-letter header naming the route that found a record poison (records of routed topics only). */
    public static final String DEAD_LETTER_ROUTE = "dead-letter-route";

    /** Longest wait for one hand-over before it counts as failed and is retried. */
    static final Duration HAND_OVER_TIMEOUT = Duration.ofMinutes(3);

    private final FailureStrategy strategy;
    private final String destination;
    private final String deadLetterTopic;
    private final SinkMetrics metrics;
    private final DatabaseRetry.Attempts attempts;
    private final Backoff retry;
    /** The connector's failure strategies publish through a single-producer stream: one hand-over at a time. */
    private final Object handOver = new Object();

    /**
     * @param strategy the connector failure strategy in use
     * @param destination where that strategy puts records, for the logs
     * @param deadLetterTopic the dead-letter topic ({@code SINK_DLQ_TOPIC}), for the fixes the logs suggest
     */
    public PoisonRecordHandler(FailureStrategy strategy, String destination, String deadLetterTopic,
            Duration initialBackoff, Duration maxBackoff, SinkMetrics metrics, DatabaseRetry.Attempts attempts) {
        this.deadLetterTopic = deadLetterTopic;
        this.attempts = attempts;
        this.strategy = strategy;
        this.destination = destination;
        this.metrics = metrics;
        this.retry = new Backoff(initialBackoff, maxBackoff,
                failure -> failure instanceof RecordRefusedException
                        || !(failure instanceof ConsumerStoppedException)
                                && FailureClass.of(failure) == FailureClass.TRANSIENT,
                (attempt, elapsed, failure) -> {
                    attempts.retrying();
                    LOG.warnf("Could not hand a poison record to %s, retry %d after %s: %s", destination, attempt,
                            elapsed, failure instanceof RecordRefusedException ? failure.getMessage() : failure);
                });
    }

    /**
     * The dead-letter topic refused the record itself (larger than it or the producer accepts):
     * retried like an outage, since raising the topic's limit fixes it without a restart, and
     * nothing of the partition is committed past the record meanwhile.
     */
    static final class RecordRefusedException extends Exception {

        RecordRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Thrown when the {@code fail} strategy stopped the consumer on a poison record. */
    public static final class ConsumerStoppedException extends Exception {

        ConsumerStoppedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Settles a written batch: hands every rejected record to the failure strategy, waiting until
     * each is acknowledged, and acknowledges each partition of the batch once all its records are in
     * the table or with the strategy. The connector commits a partition of a batch up to its last
     * record as soon as that record is acknowledged, so within a partition the rejected records go in
     * offset order, whatever order they were found bad in, and the partition's last record is
     * acknowledged only after all of them. Partitions without poison records are acknowledged first:
     * a hand-over that has to wait (dead-letter topic unreachable or refusing the record) holds back
     * its own partition only.
     *
     * @return completes when every partition's acknowledgement has been taken by the connector
     * @throws ConsumerStoppedException the {@code fail} strategy (or a publishing error that retrying
     *         cannot fix) stopped the consumer; nothing more of the batch may be committed
     */
    public CompletionStage<Void> settle(KafkaRecordBatch<?, ?> batch, List<InvalidRecordException> rejected)
            throws Exception {
        Map<TopicPartition, List<InvalidRecordException>> poisonByPartition = new TreeMap<>(
                Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (InvalidRecordException poison : rejected) {
            SinkRecord record = poison.record();
            poisonByPartition.computeIfAbsent(new TopicPartition(record.topic(), record.partition()),
                    partition -> new ArrayList<>()).add(poison);
        }
        Map<TopicPartition, ? extends KafkaRecord<?, ?>> latest = batch.getLatestOffsetRecords();
        List<CompletableFuture<Void>> acknowledged = new ArrayList<>(latest.size());
        latest.forEach((partition, last) -> {
            if (!poisonByPartition.containsKey(partition)) {
                acknowledged.add(last.ack().toCompletableFuture());
            }
        });
        if (!poisonByPartition.isEmpty()) {
            Map<String, KafkaRecord<?, ?>> byCoordinates = new HashMap<>();
            for (KafkaRecord<?, ?> record : batch.getRecords()) {
                record.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(incoming -> byCoordinates
                        .put(incoming.getTopic() + "-" + incoming.getPartition() + "@" + incoming.getOffset(), record));
            }
            for (Map.Entry<TopicPartition, List<InvalidRecordException>> partition : poisonByPartition.entrySet()) {
                KafkaRecord<?, ?> last = latest.get(partition.getKey());
                boolean lastHandedOver = false;
                partition.getValue().sort(Comparator.comparingLong(poison -> poison.record().offset()));
                for (InvalidRecordException poison : partition.getValue()) {
                    KafkaRecord<?, ?> message = byCoordinates.get(poison.record().coordinates());
                    if (message == null) {
                        throw new IllegalStateException(
                                "poison record " + poison.record().coordinates() + " is not in its batch");
                    }
                    handOver(message, poison);
                    lastHandedOver |= message == last;
                }
                if (!lastHandedOver) { // a strategy that took the last record has acknowledged it already
                    acknowledged.add(last.ack().toCompletableFuture());
                }
            }
        }
        return CompletableFuture.allOf(acknowledged.toArray(CompletableFuture[]::new));
    }

    private void handOver(KafkaRecord<?, ?> message, InvalidRecordException poison) throws Exception {
        SinkRecord record = poison.record();
        handOver((Message<?>) message, poison);
        metrics.poisonRecord(record.topic(), poison.defect().tag(), strategy.configName());
        LOG.warnf("Poison record %s handed to %s: %s: %s", record.coordinates(), destination,
                poison.defect().rule(), SqlErrors.summary(poison.getCause()));
    }

    private void handOver(Message<?> message, InvalidRecordException poison) throws Exception {
        Metadata withOrigin = originTimestamp(poison);
        retry.run(() -> {
            CompletionStage<Void> acknowledged;
            synchronized (handOver) {
                acknowledged = message.nack(poison, withOrigin);
            }
            await(acknowledged, poison);
            attempts.answered();
        });
    }

    /**
     * The record's own timestamp as a header of its dead letter (the dead-letter topic stamps its
     * own), so a replay can give the record back its event time.
     */
    private static Metadata originTimestamp(InvalidRecordException poison) {
        Long eventTime = poison.record().eventTime();
        if (eventTime == null && poison.route().isEmpty()) {
            return Metadata.empty();
        }
        OutgoingKafkaRecordMetadata.OutgoingKafkaRecordMetadataBuilder<Object> headers = OutgoingKafkaRecordMetadata
                .builder();
        if (eventTime != null) {
            headers.addHeaders(
                    new RecordHeader(Origin.TIMESTAMP, Long.toString(eventTime).getBytes(StandardCharsets.UTF_8)));
        }
        poison.route().ifPresent(route -> headers
                .addHeaders(new RecordHeader(DEAD_LETTER_ROUTE, route.getBytes(StandardCharsets.UTF_8))));
        return Metadata.of(headers.build());
    }

    private void await(CompletionStage<Void> acknowledged, InvalidRecordException poison) throws Exception {
        try {
            acknowledged.toCompletableFuture().get(HAND_OVER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new org.apache.kafka.common.errors.TimeoutException(
                    "no acknowledgement from " + destination + " within " + HAND_OVER_TIMEOUT, e);
        } catch (ExecutionException e) {
            Throwable failure = e.getCause();
            if (failure == poison) {
                // the fail strategy answers with the record's own failure
                throw new ConsumerStoppedException("SINK_FAILURE_STRATEGY=" + strategy.configName()
                        + " stopped the consumer at poison record " + poison.getMessage()
                        + "; fix or remove the record, or choose another strategy", failure);
            }
            if (FailureClass.isRecordTooLarge(failure)) {
                byte[] value = poison.record().value();
                throw new RecordRefusedException(destination + " refuses poison record "
                        + poison.record().coordinates() + " of " + (value == null ? 0 : value.length)
                        + " bytes as too large: raise the topic's max.message.bytes (kafka-configs --alter"
                        + " --entity-type topics --entity-name " + deadLetterTopic
                        + " --add-config max.message.bytes=<bytes>);"
                        + " it is retried until then and nothing of its partition is committed past it ("
                        + failure.getMessage() + ")", failure);
            }
            if (FailureClass.of(failure) != FailureClass.TRANSIENT) {
                throw new ConsumerStoppedException("could not hand poison record " + poison.record().coordinates()
                        + " to " + destination + ": " + failure, failure);
            }
            throw failure instanceof Exception exception ? exception : e;
        }
    }
}
