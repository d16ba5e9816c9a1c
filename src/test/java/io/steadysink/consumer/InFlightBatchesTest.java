package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.FakeClock;

/**
 * What may be committed, decided from what the consumer fetched (recorded on the polling thread)
 * and which batches ended written, whatever the order in which workers begin and end them.
 */
class InFlightBatchesTest {

    private static final TopicPartition TP = new TopicPartition("events", 0);
    private static final TopicPartition OTHER = new TopicPartition("events", 1);

    private final FakeClock clock = new FakeClock();
    private final FetchLedger ledger = new FetchLedger();
    private final InFlightBatches inFlight = new InFlightBatches(ledger, clock);

    @Test
    void revocationBeforeAnEarlierBatchBeginsCommitsNothingPastIt() throws Exception {
        ConsumerRecords<byte[], byte[]> a = records(TP, 0, 10);
        ConsumerRecords<byte[], byte[]> b = records(TP, 10, 10);
        ledger.fetched(a); // the connector handed out A, then B
        ledger.fetched(b);

        inFlight.end(inFlight.begin(b), true); // B's worker begins and ends first
        assertThat(inFlight.awaitFinished(List.of(TP), Duration.ZERO)).as("no batch of the partition runs").isTrue();
        assertThat(inFlight.committable(List.of(TP), position(20)))
                .as("offsets committable at revocation while batch A (offsets 0..9) has not begun").isEmpty();

        inFlight.end(inFlight.begin(a), true); // then A
        assertThat(inFlight.committable(List.of(TP), position(20))).containsExactly(commit(TP, 20));
    }

    @Test
    void commitStopsAtTheFirstUnwrittenChunkInFetchOrder() {
        ConsumerRecords<byte[], byte[]> a = records(TP, 0, 10);
        ConsumerRecords<byte[], byte[]> b = records(TP, 10, 10);
        ConsumerRecords<byte[], byte[]> c = records(TP, 25, 5); // 20..24 hold markers or aborted records
        List.of(a, b, c).forEach(ledger::fetched);

        inFlight.end(inFlight.begin(a), true);
        inFlight.end(inFlight.begin(c), true);
        assertThat(inFlight.committable(List.of(TP), position(30))).containsExactly(commit(TP, 10));

        inFlight.end(inFlight.begin(b), false); // B failed: nothing past it, ever
        assertThat(inFlight.committable(List.of(TP), position(30))).containsExactly(commit(TP, 10));
    }

    @Test
    void everyFetchedRecordWrittenCommitsTheConsumersPositionPastMarkers() {
        ConsumerRecords<byte[], byte[]> a = records(TP, 0, 10);
        ledger.fetched(a);
        inFlight.end(inFlight.begin(a), true);

        // offset 10 is a transaction marker: the position is 11, the last record 9
        assertThat(inFlight.committable(List.of(TP), position(11))).containsExactly(commit(TP, 11));
    }

    @Test
    void positionIsCommittedForSettledPartitionsOnlyAfterTheConnectorCommittedTheirRecords() {
        ConsumerRecords<byte[], byte[]> a = records(TP, 0, 10);
        ledger.fetched(a);
        inFlight.end(inFlight.begin(a), true);
        assertThat(inFlight.settledPositions(List.of(TP), position(11)))
                .as("written but not committed yet: the connector's commit is still to come").isEmpty();

        ledger.committed(Map.of(TP, new OffsetAndMetadata(10)));
        assertThat(inFlight.settledPositions(List.of(TP), position(11))).containsExactly(commit(TP, 11));

        ledger.committed(Map.of(TP, new OffsetAndMetadata(11)));
        assertThat(inFlight.settledPositions(List.of(TP), position(11))).as("nothing new").isEmpty();

        ConsumerRecords<byte[], byte[]> b = records(TP, 11, 5);
        ledger.fetched(b);
        assertThat(inFlight.settledPositions(List.of(TP), position(16))).as("B fetched, not written").isEmpty();
    }

    @Test
    void aBatchOfAnEarlierOwnershipNeverMarksRefetchedRecordsWritten() {
        ConsumerRecords<byte[], byte[]> before = records(TP, 0, 10);
        ledger.fetched(before);
        InFlightBatches.Batch late = inFlight.begin(before);
        inFlight.forget(List.of(TP)); // lost, assigned again, the same offsets fetched anew
        ledger.fetched(records(TP, 0, 15));

        inFlight.end(late, true);
        assertThat(inFlight.committable(List.of(TP), position(15))).isEmpty();
    }

    @Test
    void partitionsOfOneBatchAreTrackedApart() {
        ConsumerRecords<byte[], byte[]> both = new ConsumerRecords<>(
                Map.of(TP, list(TP, 0, 5), OTHER, list(OTHER, 7, 3)),
                Map.of());
        ledger.fetched(both);
        ConsumerRecords<byte[], byte[]> later = records(OTHER, 10, 2);
        ledger.fetched(later);
        inFlight.end(inFlight.begin(both), true);

        assertThat(inFlight.committable(List.of(TP, OTHER),
                partition -> OptionalLong.of(partition.equals(TP) ? 5 : 12)))
                .containsOnly(commit(TP, 5), commit(OTHER, 10));
    }

    @Test
    void agesAndProgressFollowTheInjectedClock() {
        InFlightBatches.Batch batch = inFlight.begin(records(TP, 0, 1));
        clock.advance(Duration.ofSeconds(5));
        assertThat(inFlight.oldestAge()).isEqualTo(Duration.ofSeconds(5));
        assertThat(inFlight.longestWithoutProgress()).isEqualTo(Duration.ofSeconds(5));

        inFlight.progress();
        clock.advance(Duration.ofSeconds(2));
        assertThat(inFlight.longestWithoutProgress()).isEqualTo(Duration.ofSeconds(2));
        assertThat(inFlight.oldestAge()).isEqualTo(Duration.ofSeconds(7));
        assertThat(inFlight.isWriting(TP)).isTrue();

        inFlight.end(batch, true);
        assertThat(inFlight.oldestAge()).isEqualTo(Duration.ZERO);
        assertThat(inFlight.longestWithoutProgress()).isEqualTo(Duration.ZERO);
        assertThat(inFlight.count()).isZero();
        assertThat(inFlight.isWriting(TP)).isFalse();
    }

    @Test
    void oldestAgeIsTheLongestRunningBatchAndProgressIsTheLongestSilentOne() {
        InFlightBatches.Batch first = inFlight.begin(records(TP, 0, 1));
        clock.advance(Duration.ofSeconds(3));
        InFlightBatches.Batch second = runOnAnotherWorker(() -> inFlight.begin(records(OTHER, 0, 1)));
        clock.advance(Duration.ofSeconds(4));
        inFlight.progress(); // this worker's batch (the first) made progress; the second did not

        clock.advance(Duration.ofSeconds(1));
        assertThat(inFlight.count()).isEqualTo(2);
        assertThat(inFlight.age(first)).isEqualTo(Duration.ofSeconds(8));
        assertThat(inFlight.age(second)).isEqualTo(Duration.ofSeconds(5));
        assertThat(inFlight.oldestAge()).isEqualTo(Duration.ofSeconds(8));
        assertThat(inFlight.longestWithoutProgress()).as("the second batch, silent since it began")
                .isEqualTo(Duration.ofSeconds(5));

        inFlight.end(second, true);
        assertThat(inFlight.longestWithoutProgress()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void progressOnAThreadWithoutABatchChangesNothing() {
        inFlight.begin(records(TP, 0, 1));
        clock.advance(Duration.ofSeconds(4));
        runOnAnotherWorker(() -> {
            inFlight.progress();
            return null;
        });
        assertThat(inFlight.longestWithoutProgress()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void waitingForARunningBatchEndsWhenTheTimeoutHasPassedOnTheClock() throws Exception {
        inFlight.begin(records(TP, 0, 1));
        clock.steppingOnEveryRead(Duration.ofSeconds(30)); // every look at the clock: 30 s later

        assertThat(inFlight.awaitFinished(List.of(TP), Duration.ofSeconds(30))).as("batch of TP still runs").isFalse();
        assertThat(inFlight.awaitIdle(Duration.ofSeconds(30))).isFalse();
        assertThat(inFlight.awaitFinished(List.of(OTHER), Duration.ofHours(1))).as("no batch of OTHER runs")
                .isTrue();
    }

    /** Runs {@code work} on a thread of its own, as another worker would, and returns its result. */
    private static <T> T runOnAnotherWorker(Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread worker = new Thread(task, "other-worker");
        worker.start();
        try {
            return task.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Function<TopicPartition, OptionalLong> position(long offset) {
        return partition -> OptionalLong.of(offset);
    }

    private static Map.Entry<TopicPartition, OffsetAndMetadata> commit(TopicPartition partition, long offset) {
        return Map.entry(partition, new OffsetAndMetadata(offset));
    }

    private static ConsumerRecords<byte[], byte[]> records(TopicPartition partition, long first, int count) {
        return new ConsumerRecords<>(Map.of(partition, list(partition, first, count)), Map.of());
    }

    private static List<ConsumerRecord<byte[], byte[]>> list(TopicPartition partition, long first, int count) {
        List<ConsumerRecord<byte[], byte[]>> list = new ArrayList<>();
        for (long offset = first; offset < first + count; offset++) {
            list.add(new ConsumerRecord<>(partition.topic(), partition.partition(), offset, null, new byte[0]));
        }
        return list;
    }
}
