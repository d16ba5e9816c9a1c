package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * A source topic that accepts 4 MiB records and a 2 MiB record, over {@code SINK_MAX_RECORD_BYTES}
 * (1 MiB): a poison record that the dead-letter producer must be able to carry. It lands in the
 * dead-letter topic whole, the records after it are written and committed, and the consumer never
 * stops.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(LargePoisonRecordTest.LargeRecords.class)
class LargePoisonRecordTest extends SinkUnderTest {

    static final String TOPIC = "large-events";
    static final String DLQ = "large-events-dlq";
    static final String GROUP = "steady-sink-large";
    static final String TABLE = "large_events";
    static final int TOPIC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    static final int RECORD_BYTES = 2 * 1024 * 1024;

    public static class LargeRecords implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(LargeTopics.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ,
                    "sink.retry-backoff-max-ms", "1000");
        }
    }

    /** The topics exist before the application starts, as they would in production. */
    public static class LargeTopics implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            Map<String, String> large = Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "" + TOPIC_MAX_MESSAGE_BYTES);
            LocalKafka.createTopic(TOPIC, 1, large);
            LocalKafka.createTopic(DLQ, 1, large);
            return Map.of();
        }

        @Override
        public void stop() {
            // topics live as long as the shared broker
        }
    }

    @Test
    void recordLargerThanOneMebibyteIsDeadLetteredWholeAndTheStreamGoesOn() throws Exception {
        String huge = "{\"blob\":\"" + "y".repeat(RECORD_BYTES) + "\"}";
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TOPIC_MAX_MESSAGE_BYTES);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, 0, "k0", "{\"id\":0}"));
            producer.send(new ProducerRecord<>(TOPIC, 0, "k1", huge));
            for (int i = 2; i < 10; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + i, "{\"id\":" + i + "}"));
            }
            producer.flush();
        }

        List<ConsumerRecord<String, String>> dead = kafka.consumeStrings()
                .withProp(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "" + TOPIC_MAX_MESSAGE_BYTES)
                .fromTopics(DLQ, 1).awaitCompletion(Duration.ofSeconds(60)).getRecords();
        assertThat(dead.get(0).value()).isEqualTo(huge);
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP, partition);
            return committed != null && committed.offset() == 10;
        });
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE)).isEqualTo(9);
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(live).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).as("liveness").isEqualTo(200);
    }
}
