package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * The dead-letter topic cannot take a poison record (here: it does not exist yet and the broker
 * does not create topics): the good records still land, but nothing is committed past the poison
 * record until the dead-letter topic has it; the consumer stays live meanwhile.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(DeadLetterTopicOutageTest.MissingDeadLetterTopic.class)
class DeadLetterTopicOutageTest extends SinkUnderTest {

    static final String TOPIC = "dlq-outage-events";
    static final String DLQ = "dlq-outage-dlq";
    static final String GROUP = "steady-sink-dlq-outage";
    static final String TABLE = "dlq_outage_events";

    public static class MissingDeadLetterTopic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ,
                    "sink.retry-backoff-max-ms", "1000",
                    // each attempt to publish gives up quickly, so the test sees several of them
                    "mp.messaging.incoming.events.dead-letter-queue.max.block.ms", "2000",
                    "mp.messaging.incoming.events.dead-letter-queue.delivery.timeout.ms", "3000",
                    "mp.messaging.incoming.events.dead-letter-queue.request.timeout.ms", "1000");
        }
    }

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, 1);
    }

    @Test
    void nothingIsCommittedPastAPoisonRecordUntilTheDeadLetterTopicHasIt() throws Exception {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(new ProducerRecord<>(TOPIC, 0, "k" + i, i == 5 ? "not json" : "{\"id\":" + i + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
        TopicPartition partition = new TopicPartition(TOPIC, 0);

        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 19);
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (System.nanoTime() < deadline) {
            OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP, partition);
            assertThat(committed == null ? 0 : committed.offset()).as("committed offset while the DLQ is missing")
                    .isLessThanOrEqualTo(5);
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(live).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            Thread.sleep(1_000);
        }

        LocalKafka.createTopic(DLQ, 1);
        kafka.consumeStrings().fromTopics(DLQ, 1).awaitCompletion(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP, partition);
            return committed != null && committed.offset() == 20;
        });
        assertThat(rows()).isEqualTo(19);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }
}
