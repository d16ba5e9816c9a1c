package io.steadysink.failure;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.SinkRecord;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;

/**
 * Hands each poison record, alone, to the channel's failure strategy ({@code SINK_FAILURE_STRATEGY})
 * by nacking that one record: {@code dead-letter-queue} publishes it with the {@code dead-letter-*}
 * headers, {@code ignore} skips it, {@code fail} stops the consumer. The call returns only once the strategy has acknowledged the record (e.g.
 * the dead-letter topic has it), so its offset can be committed; while the dead-letter topic is
 * unreachable it retries with backoff and nothing past the record is committed.
 */
public final class PoisonRecordHandler {

    private static final Logger LOG = Logger.getLogger(PoisonRecordHandler.class);

    /** Longest wait for one hand-over before it counts as failed and is retried. */
    static final Duration HAND_OVER_TIMEOUT = Duration.ofMinutes(3);

    private final String strategy;
    private final String destination;
    private final SinkMetrics metrics;
    private final DatabaseRetry.Attempts attempts;
    private final FailsafeExecutor<Object> retry;
    /** The connector's failure strategies publish through a single-producer stream: one hand-over at a time. */
    private final Object handOver = new Object();

    /**
     * @param strategy the connector failure strategy in use
     * @param destination where that strategy puts records, for the logs
     */
    public PoisonRecordHandler(String strategy, String destination, Duration initialBackoff, Duration maxBackoff,
            SinkMetrics metrics, DatabaseRetry.Attempts attempts) {
        this.attempts = attempts;
        this.strategy = strategy;
        this.destination = destination;
        this.metrics = metrics;
        this.retry = Failsafe.with(RetryPolicy.builder()
                .handleIf(failure -> !(failure instanceof ConsumerStoppedException)
                        && FailureClass.of(failure) == FailureClass.TRANSIENT)
                .withBackoff(initialBackoff, maxBackoff)
                .withJitter(0.25)
                .withMaxRetries(-1)
                .onRetry(event -> {
                    attempts.retrying();
                    LOG.warnf("Could not hand a poison record to %s, retry %d after %s: %s", destination,
                            event.getAttemptCount(), event.getElapsedTime(), event.getLastException());
                })
                .build());
    }

    /** Thrown when the {@code fail} strategy stopped the consumer on a poison record. */
    public static final class ConsumerStoppedException extends Exception {

        ConsumerStoppedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Hands every rejected record of {@code batch} to the failure strategy and waits until each is
     * acknowledged.
     *
     * @throws ConsumerStoppedException the {@code fail} strategy (or a non-transient publishing
     *         error) stopped the consumer; nothing of the batch may be committed
     */
    public void handOver(KafkaRecordBatch<?, ?> batch, List<InvalidRecordException> rejected) throws Exception {
        if (rejected.isEmpty()) {
            return;
        }
        Map<String, KafkaRecord<?, ?>> byCoordinates = new HashMap<>();
        for (KafkaRecord<?, ?> record : batch.getRecords()) {
            record.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(incoming -> byCoordinates
                    .put(incoming.getTopic() + "-" + incoming.getPartition() + "@" + incoming.getOffset(), record));
        }
        for (InvalidRecordException poison : rejected) {
            SinkRecord record = poison.record();
            KafkaRecord<?, ?> message = byCoordinates.get(record.coordinates());
            if (message == null) {
                throw new IllegalStateException("poison record " + record.coordinates() + " is not in its batch");
            }
            handOver(message, poison);
            metrics.poisonRecord(record.topic(), poison.defect(), strategy);
            LOG.warnf("Poison record %s handed to %s: %s: %s", record.coordinates(), destination,
                    poison.defect().rule(), finding(poison.getCause()));
        }
    }

    /** What was found, without PostgreSQL's context lines (they quote the record's data). */
    private static String finding(Throwable cause) {
        if (cause instanceof Exception exception) {
            return IsolatingWriter.summary(exception);
        }
        return String.valueOf(cause);
    }

    private void handOver(Message<?> message, InvalidRecordException poison) throws Exception {
        try {
            retry.run(() -> {
                CompletionStage<Void> acknowledged;
                synchronized (handOver) {
                    acknowledged = message.nack(poison);
                }
                await(acknowledged, poison);
                attempts.answered();
            });
        } catch (FailsafeException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
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
                throw new ConsumerStoppedException("SINK_FAILURE_STRATEGY=" + strategy
                        + " stopped the consumer at poison record " + poison.getMessage()
                        + "; fix or remove the record, or choose another strategy", failure);
            }
            if (FailureClass.of(failure) != FailureClass.TRANSIENT) {
                throw new ConsumerStoppedException("could not hand poison record " + poison.record().coordinates()
                        + " to " + destination + ": " + failure, failure);
            }
            throw failure instanceof Exception exception ? exception : e;
        }
    }
}
