package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.steadysink.config.SinkConfig;
import io.steadysink.health.ConsumerMonitor;
import io.steadysink.metrics.SinkMetrics;

/**
 * Counts rebalances by kind and, when partitions are revoked, gives their in-flight batches a
 * bounded time ({@code SINK_DRAIN_TIMEOUT_MS}) to finish, then commits their offsets itself (the
 * connector has already committed the finished prefix by then and ignores later acknowledgements
 * of revoked partitions). A batch still running after that is abandoned: its transaction may
 * commit, but its offsets are not, and the new owner re-delivers it (harmless: writes are
 * idempotent). Never half-committed: an offset is only committed once every record before it is
 * in the table. Runs on the polling thread, which is why the config doctor keeps the drain below
 * {@code max.poll.interval.ms}.
 * <p>
 * The connector reports lost partitions through {@link #onPartitionsRevoked}; the commit then
 * fails and the partitions are simply re-delivered to their new owner.
 */
@ApplicationScoped
@Identifier(Channels.REBALANCE_LISTENER)
public class RebalanceListener implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(RebalanceListener.class);

    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;
    private final ConsumerMonitor monitor;
    private final TopicIdentityGuard topicIds;
    private final Duration drainTimeout;

    RebalanceListener(InFlightBatches inFlight, SinkMetrics metrics, ConsumerMonitor monitor,
            TopicIdentityGuard topicIds, SinkConfig config) {
        this.inFlight = inFlight;
        this.topicIds = topicIds;
        this.metrics = metrics;
        this.monitor = monitor;
        this.drainTimeout = Duration.ofMillis(config.drainTimeoutMs());
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        int generation = consumer.groupMetadata().generationId();
        metrics.groupGeneration(generation);
        inFlight.forget(partitions);
        topicIds.assigned(partitions); // before their first fetch: a recreated topic stops the consumer here
        monitor.assigned(consumer, partitions);
        if (!partitions.isEmpty()) {
            metrics.rebalance(SinkMetrics.RebalanceKind.ASSIGNED);
            LOG.infof("Partitions assigned (generation %d): %s", generation, partitions);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        metrics.rebalance(SinkMetrics.RebalanceKind.REVOKED);
        monitor.revoking();
        LOG.infof("Partitions revoked: %s; waiting up to %d ms for their in-flight batches", partitions,
                drainTimeout.toMillis());
        try {
            Optional<Map<TopicPartition, OffsetAndMetadata>> finished = inFlight.drain(partitions, drainTimeout);
            if (finished.isEmpty()) {
                LOG.warnf("In-flight batches of revoked partitions %s did not all finish within %d ms;"
                        + " their offsets are not committed here and the new owner will re-deliver them",
                        partitions, drainTimeout.toMillis());
            } else if (!finished.get().isEmpty()) {
                consumer.commitSync(finished.get());
                LOG.infof("Committed revoked partitions after their in-flight batches finished: %s", finished.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (KafkaException e) {
            LOG.warnf("Could not commit revoked partitions %s (%s); the new owner will re-deliver their records",
                    partitions, e.toString());
        } finally {
            inFlight.forget(partitions);
            monitor.revoked(partitions);
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            metrics.rebalance(SinkMetrics.RebalanceKind.LOST);
            LOG.warnf("Partitions lost (this member was no longer in the group): %s", partitions);
        }
    }
}
