package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.FakeClock;

/**
 * Lag in records and seconds and the Burrow-style status per partition, read after read, on a
 * fake clock: one read per lag interval.
 */
class LagEvaluatorTest {

    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private final FakeClock clock = new FakeClock();
    private final FakeFetches fetches = new FakeFetches();
    private final LagEvaluator evaluator = new LagEvaluator(INTERVAL, clock, clock, fetches);

    @Test
    void aCaughtUpPartitionHasNoLagAndIsOk() {
        PartitionLag lag = read(P0, 100, 100);

        assertThat(lag).isEqualTo(new PartitionLag(P0, 0, 0, LagStatus.OK));
    }

    @Test
    void theAgeOfTheOldestUncommittedRecordIsTheWallClockSinceItsFetchedChunksTimestamp() {
        fetches.timestamps.put(P0, clock.millis() - 7_500);

        assertThat(read(P0, 100, 150).seconds()).isEqualTo(7.5);
        clock.advance(INTERVAL);
        assertThat(read(P0, 100, 150).seconds()).isEqualTo(12.5);
        clock.stepWallClock(Duration.ofSeconds(60)); // record timestamps are wall-clock time
        assertThat(read(P0, 100, 150).seconds()).isEqualTo(72.5);
        assertThat(read(P0, 100, 150).records()).isEqualTo(50);
    }

    @Test
    void recordsNotFetchedYetAgeFromTheFirstReadThatFoundThePartitionBehindOnTheMonotonicClock() {
        assertThat(read(P0, 100, 150).seconds()).isZero();
        clock.advance(Duration.ofSeconds(3));
        assertThat(read(P0, 100, 160).seconds()).isEqualTo(3.0);
        clock.stepWallClock(Duration.ofHours(-1)); // NTP steps the wall clock back: durations do not care
        assertThat(read(P0, 100, 160).seconds()).isEqualTo(3.0);

        read(P0, 160, 160); // caught up: the next lag starts a new count
        clock.advance(Duration.ofSeconds(4));
        assertThat(read(P0, 160, 170).seconds()).isZero();
    }

    @Test
    void aStuckCommittedOffsetWithLagIsStallWhileAPartitionsBatchIsBeingWritten() {
        fetches.writing.add(P0);

        List<LagStatus> statuses = window(i -> read(P0, 100, 150 + i));

        assertThat(statuses.subList(0, LagStatus.WINDOW - 1)).as("not enough history yet").containsOnly(LagStatus.OK);
        assertThat(statuses.get(LagStatus.WINDOW - 1)).isEqualTo(LagStatus.STALL);
    }

    @Test
    void aStuckCommittedOffsetWithLagIsStallWhileRecordsWereFetchedWithinTheWindowAndStopWhenNothingHappened() {
        window(i -> read(P0, 100, 150));
        assertThat(read(P0, 100, 150).status()).as("never fetched or committed").isEqualTo(LagStatus.STOP);

        fetches.activity.put(P0, clock.nanos());
        clock.advance(INTERVAL.multipliedBy(LagStatus.WINDOW).minusNanos(1));
        assertThat(read(P0, 100, 150).status()).as("fetched just within the window").isEqualTo(LagStatus.STALL);

        clock.advance(Duration.ofNanos(1));
        assertThat(read(P0, 100, 150).status()).as("last fetch a whole window ago").isEqualTo(LagStatus.STOP);
    }

    @Test
    void aMovingCommittedOffsetIsWarnWhenLagGrowsAtEveryReadAndOkOtherwise() {
        fetches.writing.add(P0);
        assertThat(window(i -> read(P0, 100 + i, 150 + 2 * i))).last().isEqualTo(LagStatus.WARN);

        assertThat(read(P1, 0, 10).status()).isEqualTo(LagStatus.OK);
        assertThat(window(i -> read(P1, 10 + i, 60 + (i % 2)))).last().isEqualTo(LagStatus.OK);
    }

    @Test
    void aForgottenPartitionStartsItsHistoryAndItsBehindSinceAgain() {
        window(i -> read(P0, 100, 150));
        assertThat(read(P0, 100, 150).status()).isEqualTo(LagStatus.STOP);
        assertThat(read(P0, 100, 150).seconds()).isPositive();

        evaluator.forget(List.of(P0));

        PartitionLag fresh = read(P0, 100, 150);
        assertThat(fresh.status()).isEqualTo(LagStatus.OK);
        assertThat(fresh.seconds()).isZero();
    }

    @Test
    void partitionsComeOrderedByTopicThenPartitionAndOnlyThoseRead() {
        TopicPartition other = new TopicPartition("audit", 3);
        Map<TopicPartition, LagReader.Offsets> read = new HashMap<>();
        read.put(P1, new LagReader.Offsets(1, 1));
        read.put(other, new LagReader.Offsets(1, 1));
        read.put(P0, new LagReader.Offsets(1, 1));

        assertThat(evaluator.evaluate(read)).extracting(PartitionLag::partition).containsExactly(other, P0, P1);
    }

    /** One read of {@code partition} alone. */
    private PartitionLag read(TopicPartition partition, long position, long end) {
        return evaluator.evaluate(Map.of(partition, new LagReader.Offsets(position, end))).get(0);
    }

    /** A window's worth of reads, one per lag interval; the statuses they gave. */
    private List<LagStatus> window(IntFunction<PartitionLag> read) {
        return IntStream.range(0, LagStatus.WINDOW).mapToObj(i -> {
            PartitionLag lag = read.apply(i);
            clock.advance(INTERVAL);
            return lag.status();
        }).toList();
    }

    /** What the consumer fetched and writes, set by hand. */
    private static final class FakeFetches implements LagEvaluator.Fetches {
        final Map<TopicPartition, Long> timestamps = new HashMap<>();
        final Map<TopicPartition, Long> activity = new HashMap<>();
        final Set<TopicPartition> writing = new HashSet<>();

        @Override
        public OptionalLong timestampAt(TopicPartition partition, long offset) {
            Long timestamp = timestamps.get(partition);
            return timestamp == null ? OptionalLong.empty() : OptionalLong.of(timestamp);
        }

        @Override
        public OptionalLong lastActivity(TopicPartition partition) {
            Long at = activity.get(partition);
            return at == null ? OptionalLong.empty() : OptionalLong.of(at);
        }

        @Override
        public boolean isWriting(TopicPartition partition) {
            return writing.contains(partition);
        }
    }
}
