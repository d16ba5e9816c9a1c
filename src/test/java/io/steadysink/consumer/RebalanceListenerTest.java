package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.testing.FakeClock;

/**
 * The rebalance listener's own decisions, against Kafka's {@link MockConsumer}: what it commits for
 * revoked partitions and when it gives up waiting for their batches, how it tells a loss from a
 * revocation, and what it counts. Group coordination itself is Kafka's and tested against the real
 * broker ({@code LostPartitionsTest}, {@code ScaleOutInIT}).
 */
@Timeout(10) // a drain that ignored its deadline would hang here
class RebalanceListenerTest {

    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private final FakeClock clock = new FakeClock();
    private final FetchLedger ledger = new FetchLedger();
    private final InFlightBatches inFlight = new InFlightBatches(ledger, clock);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SinkMetrics metrics = new SinkMetrics(registry,
            new SinkMetrics.StartupSeries(List.of(), List.of(), "fail", "append"));
    private final GroupMembership membership = new GroupMembership(metrics, inFlight);
    private final List<Collection<TopicPartition>> checked = new ArrayList<>();
    private Duration drainTimeout = Duration.ofSeconds(30);
    private final RebalanceListener listener = new RebalanceListener(inFlight, metrics, membership, checked::add,
            () -> drainTimeout);
    private final GroupConsumer consumer = new GroupConsumer();

    @Test
    void anAssignmentIsCheckedBeforeTheFirstFetchCountedAndJoinsTheGroup() {
        assign(P0, P1);

        assertThat(checked).containsExactly(List.of(P0, P1));
        assertThat(count("assigned")).isEqualTo(1);
        assertThat(registry.get(SinkMetrics.GROUP_GENERATION).gauge().value())
                .isEqualTo(consumer.groupMetadata().generationId());
        assertThat(membership.joined()).isTrue();
        assertThat(membership.owned()).containsExactlyInAnyOrder(P0, P1);
    }

    @Test
    void anEmptyAssignmentJoinsTheGroupWithoutCountingARebalance() {
        consumer.assign(List.of());
        listener.onPartitionsAssigned(consumer, List.of());

        assertThat(membership.joined()).isTrue();
        assertThat(membership.ownsNone()).isTrue();
        assertThat(count("assigned")).isZero();
    }

    @Test
    void anEmptyRevocationIsNoRebalance() {
        assign(P0);
        listener.onPartitionsRevoked(consumer, List.of());

        assertThat(consumer.commits).isEmpty();
        assertThat(count("revoked")).isZero();
        assertThat(membership.rebalancing()).isFalse();
    }

    @Test
    void revokedPartitionsCommitTheirWrittenRecordsAndAreCountedRevoked() {
        assign(P0, P1);
        ConsumerRecords<byte[], byte[]> batch = fetch(P0, 0, 10);
        inFlight.end(inFlight.begin(batch), true);
        consumer.seek(P0, 10);

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(consumer.commits).containsExactly(Map.of(P0, new OffsetAndMetadata(10)));
        assertThat(count("revoked")).isEqualTo(1);
        assertThat(count("lost")).isZero();
        assertThat(membership.owned()).containsExactly(P1);
        assertThat(membership.rebalancing()).as("until the assignment that ends the rebalance").isTrue();
    }

    @Test
    void aBatchStillRunningWhenTheDrainTimeoutPassesStopsTheCommitAtItsFirstRecord() {
        assign(P0);
        ConsumerRecords<byte[], byte[]> written = fetch(P0, 0, 10);
        ConsumerRecords<byte[], byte[]> running = fetch(P0, 10, 10);
        inFlight.end(inFlight.begin(written), true);
        inFlight.begin(running);
        consumer.seek(P0, 20);
        clock.steppingOnEveryRead(drainTimeout); // the drain's deadline has passed at its next look

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(consumer.commits).containsExactly(Map.of(P0, new OffsetAndMetadata(10)));
        assertThat(count("revoked")).isEqualTo(1);
    }

    @Test
    void aBatchThatEndsWrittenWithinTheDrainTimeoutIsCommitted() throws Exception {
        assign(P0);
        ConsumerRecords<byte[], byte[]> batch = fetch(P0, 0, 10);
        consumer.seek(P0, 10);
        InFlightBatches.Batch running = inFlight.begin(batch);
        Thread pollingThread = new Thread(() -> listener.onPartitionsRevoked(consumer, List.of(P0)), "polling");

        pollingThread.start();
        await().until(() -> pollingThread.getState() == Thread.State.TIMED_WAITING); // the drain waits
        inFlight.end(running, true);
        pollingThread.join();

        assertThat(consumer.commits).containsExactly(Map.of(P0, new OffsetAndMetadata(10)));
    }

    @Test
    void withNothingNewWrittenTheLastCommittedOffsetIsCommittedAgainToTellALossFromARevocation() {
        assign(P0);
        ledger.committed(Map.of(P0, new OffsetAndMetadata(42)));

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(consumer.commits).containsExactly(Map.of(P0, new OffsetAndMetadata(42)));
        assertThat(count("revoked")).isEqualTo(1);
    }

    @Test
    void aRefusedCommitMeansThePartitionsWereLostNotRevoked() {
        assign(P0, P1);
        inFlight.end(inFlight.begin(fetch(P0, 0, 10)), true);
        consumer.seek(P0, 10);
        assertThat(ledger.writtenThrough(P0)).hasValue(10);
        consumer.refusal = new CommitFailedException();

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(count("lost")).isEqualTo(1);
        assertThat(count("revoked")).isZero();
        assertThat(membership.owned()).containsExactly(P1);
        assertThat(ledger.writtenThrough(P0)).as("what was known about the lost partition is forgotten").isEmpty();
    }

    @Test
    void aFencedStaticMemberLostItsPartitions() {
        assign(P0);
        ledger.committed(Map.of(P0, new OffsetAndMetadata(5)));
        consumer.refusal = new FencedInstanceIdException("another pod took this group.instance.id");

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(count("lost")).isEqualTo(1);
        assertThat(count("revoked")).isZero();
    }

    @Test
    void aCommitFailingForAnotherReasonIsStillARevocation() {
        assign(P0);
        ledger.committed(Map.of(P0, new OffsetAndMetadata(5)));
        consumer.refusal = new KafkaException("request timed out");

        listener.onPartitionsRevoked(consumer, List.of(P0));

        assertThat(count("revoked")).isEqualTo(1);
        assertThat(count("lost")).isZero();
        assertThat(membership.ownsNone()).isTrue();
    }

    @Test
    void partitionsAssignedAgainWhileStillOwnedWereLostInBetweenAndCountedOnce() {
        assign(P0, P1);

        consumer.assign(List.of(P1));
        listener.onPartitionsAssigned(consumer, List.of(P1)); // P0 gone, P1 reported new: both were lost

        assertThat(count("lost")).isEqualTo(1);
        assertThat(count("assigned")).isEqualTo(2);
        assertThat(membership.owned()).containsExactly(P1);
        assertThat(membership.rebalancing()).isFalse();
    }

    private void assign(TopicPartition... partitions) {
        consumer.assign(List.of(partitions));
        listener.onPartitionsAssigned(consumer, List.of(partitions));
    }

    private long count(String kind) {
        return (long) registry.get(SinkMetrics.REBALANCES).tag("kind", kind).functionCounter().count();
    }

    /** Records the consumer fetched: they reach the ledger on the polling thread, before any batch. */
    private ConsumerRecords<byte[], byte[]> fetch(TopicPartition partition, long first, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (long offset = first; offset < first + count; offset++) {
            records.add(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, new byte[0]));
        }
        ConsumerRecords<byte[], byte[]> fetched = new ConsumerRecords<>(Map.of(partition, records), Map.of());
        ledger.fetched(fetched);
        return fetched;
    }

    /** Kafka's mock consumer, remembering each synchronous commit; one the broker refuses throws. */
    private static final class GroupConsumer extends MockConsumer<byte[], byte[]> {
        final List<Map<TopicPartition, OffsetAndMetadata>> commits = new ArrayList<>();
        volatile KafkaException refusal;

        GroupConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            if (refusal != null) {
                throw refusal;
            }
            commits.add(Map.copyOf(offsets));
            super.commitSync(offsets);
        }
    }
}
