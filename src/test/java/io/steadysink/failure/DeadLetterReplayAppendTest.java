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
 * In {@code append} mode a replayed dead letter lands once, under its original coordinates and
 * event time, however many copies of it the dead-letter topic holds.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(DeadLetterReplayAppendTest.Append.class)
class DeadLetterReplayAppendTest {

    static final String TOPIC = "replay-append-events";
    static final String DLQ = "replay-append-dlq";
    static final String GROUP = "steady-sink-replay-append";
    static final String TABLE = "replay_append_events";

    public static class Append implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ReplayedDeadLetters.Topics.class, Map.of("topic", TOPIC, "dlq", DLQ)));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ);
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
    void deadLetterHeldTwiceLandsOnceUnderItsOriginalCoordinatesAndEventTime() throws Exception {
        deadLetters.rejectMarkedRecords();
        deadLetters.produce("a", "{\"id\":0}", 1_600_000_000_000L); // offset 0
        deadLetters.produce("b", "{\"id\":1,\"reject\":true}", 1_600_000_001_000L); // offset 1
        deadLetters.produce("c", "{\"id\":2}", 1_600_000_002_000L); // offset 2
        await().atMost(Duration.ofSeconds(60)).until(() -> rows("true") == 2);
        deadLetters.awaitDeadLettersAndDuplicateTheFirst(kafka, 1);

        deadLetters.fixAndReplay(kafka, 2);

        assertThat(rows("true")).as("three records, three rows").isEqualTo(3);
        assertThat(rows("kafka_offset = 1 AND payload ->> 'id' = '1' AND event_time = to_timestamp(1600000001)"
                + " AND headers ? 'steady-sink-replayed-from' AND NOT headers ? 'steady-sink-origin-offset'"))
                .as("the replay is the record at offset 1 again").isEqualTo(1);
    }

    private static long rows(String where) {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE + " WHERE " + where);
    }
}
