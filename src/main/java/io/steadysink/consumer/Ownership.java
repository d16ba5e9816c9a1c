package io.steadysink.consumer;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;

/**
 * The partitions this member owns, following the consumer's own assignment, and those it lost:
 * taken away without a revocation reaching steady-sink. The connector reports lost partitions as
 * revoked, and when its own commit of them fails (the member is no longer in the group) the
 * revocation never reaches steady-sink's listener. So a loss shows as a partition that left the
 * assignment while still owned, or that is assigned again while still owned (lost and given back
 * in one rebalance). Thread-safe.
 */
final class Ownership {

    private final Set<TopicPartition> owned = new HashSet<>();

    /**
     * An assignment callback: {@code assignment} is the consumer's whole assignment now,
     * {@code added} the partitions the callback reports as new. Returns the partitions lost since
     * the last look.
     */
    synchronized Set<TopicPartition> assigned(Set<TopicPartition> assignment, Collection<TopicPartition> added) {
        Set<TopicPartition> lost = new HashSet<>(owned);
        lost.removeAll(assignment);
        for (TopicPartition partition : added) {
            if (owned.contains(partition)) {
                lost.add(partition);
            }
        }
        owned.clear();
        owned.addAll(assignment);
        return lost;
    }

    /**
     * The consumer's assignment read between two polls: returns the owned partitions no longer in
     * it (lost), and takes it as what this member owns.
     */
    synchronized Set<TopicPartition> observed(Set<TopicPartition> assignment) {
        Set<TopicPartition> lost = new HashSet<>(owned);
        lost.removeAll(assignment);
        owned.clear();
        owned.addAll(assignment);
        return lost;
    }

    /** Partitions that left this member through a revocation (or were found lost and handled). */
    synchronized void released(Collection<TopicPartition> partitions) {
        owned.removeAll(partitions);
    }

    synchronized boolean owns(TopicPartition partition) {
        return owned.contains(partition);
    }

    synchronized Set<TopicPartition> owned() {
        return Set.copyOf(owned);
    }

    synchronized boolean isEmpty() {
        return owned.isEmpty();
    }
}
