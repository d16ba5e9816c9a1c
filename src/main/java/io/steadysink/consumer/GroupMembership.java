package io.steadysink.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import io.steadysink.metrics.SinkMetrics;

/**
 * Where this member stands in its consumer group, as the rebalance listener and the look between
 * two polls report it: whether it has joined (a first assignment, even an empty one), whether
 * partitions are being revoked, which partitions it owns ({@link Ownership}), and how long its poll
 * loop has been silent. A loss (partitions taken away without a revocation: the member was no
 * longer in the group because its poll loop or heartbeats came too late) is counted as a
 * {@code lost} rebalance and logged, and what was known about those partitions is dropped. Whoever
 * shows the membership (the consumer monitor) {@linkplain #listen listens} for changes.
 * Thread-safe.
 */
@ApplicationScoped
public class GroupMembership {

    /** Told about changes on the thread that saw them, mostly the polling thread. */
    public interface Listener {

        /** The group was joined or partitions are being revoked. */
        void changed();

        /** {@code partitions} left this member (revoked or lost): forget what is kept about them. */
        void left(Collection<TopicPartition> partitions);
    }

    private static final Logger LOG = Logger.getLogger(GroupMembership.class);
    private static final Listener NOBODY = new Listener() {
        @Override
        public void changed() {
        }

        @Override
        public void left(Collection<TopicPartition> partitions) {
        }
    };

    private final SinkMetrics metrics;
    private final InFlightBatches inFlight;
    /** The partitions this member owns, as the consumer's assignment says. */
    private final Ownership ownership = new Ownership();
    private volatile boolean joined;
    private volatile boolean rebalancing;
    private volatile Consumer<?, ?> consumer;
    private volatile Listener listener = NOBODY;

    GroupMembership(SinkMetrics metrics, InFlightBatches inFlight) {
        this.metrics = metrics;
        this.inFlight = inFlight;
    }

    /** Tells {@code changes} about every change from now on (one listener; the last one set). */
    public void listen(Listener changes) {
        listener = changes;
    }

    // ------------------------------------------------------------------ facts

    /**
     * Partitions assigned (possibly none): the group has been joined. Ownership follows the
     * consumer's whole assignment; partitions still owned that left it, or that come back as new,
     * were lost meanwhile. Polling thread.
     */
    public void assigned(Consumer<?, ?> groupConsumer, Collection<TopicPartition> partitions) {
        consumer = groupConsumer;
        Set<TopicPartition> lost = ownership.assigned(groupConsumer.assignment(), partitions);
        if (!lost.isEmpty()) {
            forgetLost(lost);
        }
        joined = true;
        rebalancing = false;
        listener.changed();
    }

    /** Partitions are being revoked: their batches drain. Polling thread. */
    public void revoking() {
        rebalancing = true;
        listener.changed();
    }

    /** Partitions left this member through a revocation. Polling thread. */
    public void revoked(Collection<TopicPartition> partitions) {
        ownership.released(partitions);
        forget(partitions);
    }

    /**
     * Partitions were taken from this member without a revocation: it was no longer in the group
     * (its poll loop or its heartbeats came too late). Polling thread.
     */
    public void lost(Collection<TopicPartition> partitions) {
        ownership.released(partitions);
        forgetLost(partitions);
    }

    /**
     * The consumer's assignment read between two polls: owned partitions no longer in it were lost.
     * Polling thread.
     */
    void observed(Set<TopicPartition> assignment) {
        Set<TopicPartition> lost = ownership.observed(assignment);
        if (!lost.isEmpty()) {
            forgetLost(lost);
        }
    }

    private void forgetLost(Collection<TopicPartition> partitions) {
        metrics.rebalance(SinkMetrics.RebalanceKind.LOST);
        LOG.warnf("Partitions lost: this member was no longer in the group (poll loop or heartbeats too late);"
                + " the new owner re-delivers their records not yet committed: %s", partitions);
        inFlight.forget(partitions);
        forget(partitions);
    }

    /** Drops the fetch observations of partitions that left, and tells the listener. */
    private void forget(Collection<TopicPartition> partitions) {
        PollObserver.forget(partitions);
        listener.left(partitions);
    }

    // ------------------------------------------------------------------ reads

    /** Whether the group has been joined (a first assignment, even an empty one, arrived). */
    public boolean joined() {
        return joined;
    }

    /** Whether partitions are being revoked and no assignment has followed yet. */
    public boolean rebalancing() {
        return rebalancing;
    }

    /** The partitions this member owns now. */
    public Set<TopicPartition> owned() {
        return ownership.owned();
    }

    public boolean owns(TopicPartition partition) {
        return ownership.owns(partition);
    }

    public boolean ownsNone() {
        return ownership.isEmpty();
    }

    /**
     * Time since the consumer last called poll(), from the client's own metric (the one the group
     * evicts it by, against {@code max.poll.interval.ms}); zero before joining.
     */
    public Duration lastPollAge() {
        Consumer<?, ?> groupConsumer = consumer;
        if (groupConsumer == null) {
            return Duration.ZERO;
        }
        for (Map.Entry<MetricName, ? extends Metric> metric : groupConsumer.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals("last-poll-seconds-ago") && name.group().equals("consumer-metrics")
                    && metric.getValue().metricValue() instanceof Number seconds) {
                return Duration.ofSeconds(seconds.longValue());
            }
        }
        return Duration.ZERO;
    }
}
