package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * In {@code append} mode a replayed dead letter lands once, under its original coordinates and
 * event time, however many copies of it the dead-letter topic holds.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(DeadLetterReplayAppendTest.Append.class)
class DeadLetterReplayAppendTest extends SinkUnderTest {

    public static class Append extends ReplayedDeadLetters.Profile {
        public Append() {
            super("append");
        }
    }

    private final ReplayedDeadLetters deadLetters = new ReplayedDeadLetters("append");

    @Test
    void deadLetterHeldTwiceLandsOnceUnderItsOriginalCoordinatesAndEventTime() throws Exception {
        deadLetters.rejectMarkedRecords();
        deadLetters.produce("a", "{\"id\":0}", 1_600_000_000_000L); // offset 0
        deadLetters.produce("b", "{\"id\":1,\"reject\":true}", 1_600_000_001_000L); // offset 1
        deadLetters.produce("c", "{\"id\":2}", 1_600_000_002_000L); // offset 2
        await().atMost(Duration.ofSeconds(60)).until(() -> deadLetters.rows("true") == 2);
        deadLetters.awaitDeadLettersAndDuplicateTheFirst(kafka, 1);

        deadLetters.fixAndReplay(kafka, 2);

        assertThat(deadLetters.rows("true")).as("three records, three rows").isEqualTo(3);
        assertThat(
                deadLetters.rows("kafka_offset = 1 AND payload ->> 'id' = '1' AND event_time = to_timestamp(1600000001)"
                        + " AND headers ? 'steady-sink-replayed-from' AND NOT headers ? 'steady-sink-origin-offset'"))
                .as("the replay is the record at offset 1 again").isEqualTo(1);
    }
}
