package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.steadysink.config.Channels;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.metrics.SinkMetrics;

/**
 * Counts rebalances by kind and, when partitions are revoked, gives their in-flight batches a
 * bounded time ({@code SINK_DRAIN_TIMEOUT_MS}) to finish, then commits their offsets itself (the
 * connector has already committed what it knew to be processed and ignores later acknowledgements
 * of revoked partitions). Only written records are committed, contiguously in fetch order
 * ({@link InFlightBatches#committable}): a batch still running after the drain, or handed out but
 * not yet begun, stops the commit at its first record, and the new owner writes it again
 * (harmless: writes are idempotent). Runs on the polling thread, which is why the config doctor
 * keeps the drain below {@code max.poll.interval.ms}.
 * <p>
 * Lost partitions (this member was no longer in the group) reach this listener as revoked, and
 * only when the connector had nothing to commit for them: its own commit is refused otherwise and
 * the callback ends there. Here a loss shows as a refused commit (the last committed offsets are
 * committed again when nothing is new, one round trip per revocation, to tell the two apart);
 * {@link PollingThreadLook} notices the losses this listener never sees from the consumer's
 * assignment. Every change of ownership is reported to {@link GroupMembership}.
 */
@ApplicationScoped
@Identifier(Channels.REBALANCE_LISTENER)
public class RebalanceListener implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(RebalanceListener.class);

    /** Checks newly assigned partitions before their first fetch (the topic-ID guard). */
    @FunctionalInterface
    interface AssignmentCheck {
        void assigned(Collection<TopicPartition> partitions);
    }

    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;
    private final GroupMembership membership;
    private final AssignmentCheck topicIds;
    private final Supplier<Duration> drainTimeout;

    @Inject
    RebalanceListener(InFlightBatches inFlight, SinkMetrics metrics, GroupMembership membership,
            TopicIdentityGuard topicIds, StartupConfigCheck settings) {
        this(inFlight, metrics, membership, topicIds::assigned, settings::drainTimeout);
    }

    /** @param drainTimeout the drain budget in effect, read at each revocation */
    RebalanceListener(InFlightBatches inFlight, SinkMetrics metrics, GroupMembership membership,
            AssignmentCheck topicIds, Supplier<Duration> drainTimeout) {
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.membership = membership;
        this.topicIds = topicIds;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        int generation = consumer.groupMetadata().generationId();
        metrics.groupGeneration(generation);
        inFlight.forget(partitions);
        topicIds.assigned(partitions); // before their first fetch: a recreated topic stops the consumer here
        membership.assigned(consumer, partitions);
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
        membership.revoking();
        Duration drainTimeout = this.drainTimeout.get();
        LOG.infof("Partitions revoked: %s; waiting up to %d ms for their in-flight batches", partitions,
                drainTimeout.toMillis());
        boolean lost = false;
        try {
            if (!inFlight.awaitFinished(partitions, drainTimeout)) {
                LOG.warnf("In-flight batches of revoked partitions %s did not all finish within %d ms; their records"
                        + " are not committed here and the new owner will re-deliver them", partitions,
                        drainTimeout.toMillis());
            }
            Map<TopicPartition, OffsetAndMetadata> written = inFlight.committable(partitions,
                    partition -> InFlightBatches.position(consumer, partition));
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(inFlight.lastCommitted(partitions));
            commit.putAll(written);
            if (!commit.isEmpty()) {
                consumer.commitSync(commit);
            }
            if (!written.isEmpty()) {
                LOG.infof("Committed revoked partitions up to their written records: %s", written);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CommitFailedException | FencedInstanceIdException e) {
            lost = true; // no longer in the group: the partitions already belong to another member
        } catch (KafkaException e) {
            LOG.warnf("Could not commit revoked partitions %s (%s); the new owner will re-deliver their records",
                    partitions, e.toString());
        } finally {
            inFlight.forget(partitions);
            if (lost) {
                membership.lost(partitions);
            } else {
                metrics.rebalance(SinkMetrics.RebalanceKind.REVOKED);
                membership.revoked(partitions);
            }
        }
    }
}
