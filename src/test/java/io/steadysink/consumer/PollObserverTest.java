package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.FakeClock;

/** What the interceptor remembers of fetches and commits, stamped on the clock it is given. */
class PollObserverTest {

    private static final TopicPartition TP = new TopicPartition("poll-observer-test", 0);

    private final FakeClock clock = new FakeClock();
    private final PollObserver observer = new PollObserver();

    @AfterEach
    void forget() {
        PollObserver.forget(List.of(TP));
        FetchLedger.ofConsumer().forget(List.of(TP));
        PollObserver.useTicker(Ticker.SYSTEM);
    }

    @Test
    void aFetchOrACommitIsActivityAtTheTickersTime() {
        PollObserver.useTicker(clock);
        assertThat(PollObserver.lastActivity(TP)).as("nothing yet").isEmpty();

        long fetchedAt = clock.nanos();
        observer.onConsume(chunk(0, 10, 1_000));
        assertThat(PollObserver.lastActivity(TP)).hasValue(fetchedAt);

        clock.advance(Duration.ofSeconds(3));
        observer.onCommit(Map.of(TP, new OffsetAndMetadata(10)));
        assertThat(PollObserver.lastActivity(TP)).hasValue(fetchedAt + Duration.ofSeconds(3).toNanos());
    }

    @Test
    void anOffsetHasTheTimestampOfTheChunkItWasFetchedInUntilACommitPassesThatChunk() {
        observer.onConsume(chunk(0, 10, 1_000));
        observer.onConsume(chunk(10, 10, 2_000));

        assertThat(PollObserver.timestampAt(TP, 4)).hasValue(1_000);
        assertThat(PollObserver.timestampAt(TP, 15)).hasValue(2_000);

        observer.onCommit(Map.of(TP, new OffsetAndMetadata(12)));
        assertThat(PollObserver.timestampAt(TP, 4)).as("committed past its chunk").isEmpty();
        assertThat(PollObserver.timestampAt(TP, 12)).hasValue(2_000);

        PollObserver.forget(List.of(TP));
        assertThat(PollObserver.timestampAt(TP, 12)).isEmpty();
        assertThat(PollObserver.lastActivity(TP)).isEmpty();
    }

    @Test
    void aPolledBatchIsKnownOnceByWhenItWasPolledAndHowOldItsOldestRecordWas() {
        PollObserver.useTicker(clock);
        long polledAt = clock.nanos();
        long fiveSecondsAgo = System.currentTimeMillis() - 5_000;
        ConsumerRecords<Object, Object> batch = chunk(0, 10, fiveSecondsAgo);
        observer.onConsume(batch);

        Optional<PollObserver.Polled> polled = PollObserver.polled(batch);
        assertThat(polled).isPresent();
        assertThat(polled.get().nanos()).isEqualTo(polledAt);
        assertThat(polled.get().oldestRecordAge()).hasValueSatisfying(
                age -> assertThat(age).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(60)));
        assertThat(PollObserver.polled(batch)).as("taken by the worker that began it").isEmpty();
        assertThat(PollObserver.polled(chunk(0, 10, fiveSecondsAgo))).as("another batch of the same records")
                .isEmpty();
    }

    @Test
    void aBatchWithoutRecordTimestampsHasNoAgeAtThePoll() {
        ConsumerRecords<Object, Object> batch = chunk(0, 3, ConsumerRecord.NO_TIMESTAMP);
        observer.onConsume(batch);

        assertThat(PollObserver.polled(batch)).hasValueSatisfying(
                polled -> assertThat(polled.oldestRecordAge()).isEmpty());
    }

    /** {@code count} records from {@code first}; the first one's timestamp is {@code timestamp}. */
    private static ConsumerRecords<Object, Object> chunk(long first, int count, long timestamp) {
        List<ConsumerRecord<Object, Object>> records = new ArrayList<>();
        for (long offset = first; offset < first + count; offset++) {
            records.add(new ConsumerRecord<>(TP.topic(), TP.partition(), offset, timestamp + offset - first,
                    TimestampType.CREATE_TIME, 0, 0, null, null, new RecordHeaders(), Optional.empty()));
        }
        return new ConsumerRecords<>(Map.of(TP, records), Map.of());
    }
}
