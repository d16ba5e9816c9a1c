package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Ownership follows the consumer's assignment; partitions that leave it unannounced are lost. */
class OwnershipTest {

    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);
    private static final TopicPartition P2 = new TopicPartition("events", 2);

    private final Ownership ownership = new Ownership();

    @Test
    void revokedPartitionsAreReleasedNotLost() {
        assertThat(ownership.assigned(Set.of(P0, P1, P2), List.of(P0, P1, P2))).isEmpty();
        ownership.released(List.of(P2)); // the revocation callback ran
        assertThat(ownership.observed(Set.of(P0, P1))).isEmpty();
        assertThat(ownership.owned()).containsExactlyInAnyOrder(P0, P1);
    }

    @Test
    void partitionsGoneFromTheAssignmentWithoutARevocationAreLost() {
        ownership.assigned(Set.of(P0, P1, P2), List.of(P0, P1, P2));
        assertThat(ownership.observed(Set.of())).containsExactlyInAnyOrder(P0, P1, P2);
        assertThat(ownership.isEmpty()).isTrue();
        assertThat(ownership.observed(Set.of())).as("counted once").isEmpty();
    }

    @Test
    void partitionsAssignedAgainWhileStillOwnedWereLostInBetween() {
        ownership.assigned(Set.of(P0, P1, P2), List.of(P0, P1, P2));
        // lost and rejoined within one poll: the new assignment reports P2 as new
        assertThat(ownership.assigned(Set.of(P2), List.of(P2))).containsExactlyInAnyOrder(P0, P1, P2);
        assertThat(ownership.owned()).containsExactly(P2);
        assertThat(ownership.owns(P0)).isFalse();
    }

    @Test
    void aCooperativeRebalanceThatOnlyAddsLosesNothing() {
        ownership.assigned(Set.of(P0), List.of(P0));
        assertThat(ownership.assigned(Set.of(P0, P1), List.of(P1))).isEmpty();
        assertThat(ownership.owned()).containsExactlyInAnyOrder(P0, P1);
    }
}
