package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;

/**
 * In {@code upsert} mode a replayed dead letter lands as the record it originally was: it applies
 * only if it is still the newest write for its key by the guard's order, with its original event
 * time, and a dead-letter topic holding it twice changes nothing.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(DeadLetterReplayUpsertTest.Upsert.class)
class DeadLetterReplayUpsertTest {

    static final String TOPIC = "replay-upsert-events";
    static final String DLQ = "replay-upsert-dlq";
    static final String GROUP = "steady-sink-replay-upsert";
    static final String TABLE = "replay_upsert_state";

    public static class Upsert implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ReplayedDeadLetters.Topics.class, Map.of("topic", TOPIC, "dlq", DLQ)));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ,
                    "sink.mode", "upsert");
        }
    }

    private static KafkaCompanion kafka;
    private final ReplayedDeadLetters deadLetters = new ReplayedDeadLetters(TOPIC, DLQ, GROUP, TABLE);

    @BeforeAll
    static void connect() {
        kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void replayedDeadLetterNeverOverwritesANewerWriteAndLandsWithItsOriginalEventTime() throws Exception {
        deadLetters.rejectMarkedRecords();
        deadLetters.produce("superseded", "{\"v\":1,\"reject\":true}", 1_600_000_000_000L); // offset 0
        deadLetters.produce("latest", "{\"v\":1,\"reject\":true}", 1_600_000_001_000L); // offset 1
        deadLetters.produce("superseded", "{\"v\":2}", 1_600_000_002_000L); // offset 2
        await().atMost(Duration.ofSeconds(60)).until(() -> rows("key = 'superseded'") == 1);
        deadLetters.awaitDeadLettersAndDuplicateTheFirst(kafka, 2);

        deadLetters.fixAndReplay(kafka, 3);

        assertThat(LocalPostgres.queryLong("SELECT kafka_offset FROM " + TABLE + " WHERE key = 'superseded'"))
                .as("the newer write at offset 2 stays").isEqualTo(2);
        assertThat(rows("key = 'superseded' AND payload ->> 'v' = '2'")).isEqualTo(1);
        assertThat(rows("key = 'latest' AND payload ->> 'v' = '1' AND kafka_offset = 1"
                + " AND event_time = to_timestamp(1600000001)")).as("the replay lands as the record at offset 1")
                .isEqualTo(1);
    }

    private static long rows(String where) {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE + " WHERE " + where);
    }
}
