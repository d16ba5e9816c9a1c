package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * In {@code upsert} mode a replayed dead letter lands as the record it originally was: it applies
 * only if it is still the newest write for its key by the guard's order, with its original event
 * time, and a dead-letter topic holding it twice changes nothing.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(DeadLetterReplayUpsertTest.Upsert.class)
class DeadLetterReplayUpsertTest extends SinkUnderTest {

    public static class Upsert extends ReplayedDeadLetters.Profile {
        public Upsert() {
            super("upsert");
        }
    }

    private final ReplayedDeadLetters deadLetters = new ReplayedDeadLetters("upsert");

    @Test
    void replayedDeadLetterNeverOverwritesANewerWriteAndLandsWithItsOriginalEventTime() throws Exception {
        deadLetters.rejectMarkedRecords();
        deadLetters.produce("superseded", "{\"v\":1,\"reject\":true}", 1_600_000_000_000L); // offset 0
        deadLetters.produce("latest", "{\"v\":1,\"reject\":true}", 1_600_000_001_000L); // offset 1
        deadLetters.produce("superseded", "{\"v\":2}", 1_600_000_002_000L); // offset 2
        await().atMost(Duration.ofSeconds(60)).until(() -> deadLetters.rows("key = 'superseded'") == 1);
        deadLetters.awaitDeadLettersAndDuplicateTheFirst(kafka, 2);

        deadLetters.fixAndReplay(kafka, 3);

        assertThat(LocalPostgres
                .queryLong("SELECT kafka_offset FROM " + deadLetters.table() + " WHERE key = 'superseded'"))
                .as("the newer write at offset 2 stays").isEqualTo(2);
        assertThat(deadLetters.rows("key = 'superseded' AND payload ->> 'v' = '2'")).isEqualTo(1);
        assertThat(deadLetters.rows("key = 'latest' AND payload ->> 'v' = '1' AND kafka_offset = 1"
                + " AND event_time = to_timestamp(1600000001)")).as("the replay lands as the record at offset 1")
                .isEqualTo(1);
    }
}
