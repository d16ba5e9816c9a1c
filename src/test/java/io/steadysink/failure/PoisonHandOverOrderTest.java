package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Two poison records in one batch of one partition: an early one that PostgreSQL rejects and that
 * the dead-letter topic refuses (larger than its {@code max.message.bytes}), and the batch's last
 * record, which is not JSON and is found first. Nothing may be committed past the early record until
 * the dead-letter topic has it, whatever order the records were found bad in; once the topic takes
 * it, both records are dead-lettered in offset order and the partition is committed.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(PoisonHandOverOrderTest.SmallDeadLetterTopic.class)
class PoisonHandOverOrderTest extends SinkUnderTest {

    static final String TOPIC = "order-events";
    static final String DLQ = "order-events-dlq";
    static final String GROUP = "steady-sink-poison-order";
    static final String TABLE = "poison_order_events";
    static final int DLQ_MAX_MESSAGE_BYTES = 4096;

    public static class SmallDeadLetterTopic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ,
                    "sink.retry-backoff-max-ms", "1000");
        }
    }

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, 1);
        LocalKafka.createTopic(DLQ, 1, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "" + DLQ_MAX_MESSAGE_BYTES));
    }

    @Test
    void laterPoisonRecordNeverCommitsPastAnEarlierOneNotYetDeadLettered() throws Exception {
        // PostgreSQL rejects any record with a "reject" field: found only when the batch is written
        LocalPostgres.execute("ALTER TABLE " + TABLE
                + " ADD CONSTRAINT no_rejects CHECK (payload -> 'reject' IS NULL)");
        String large = "{\"reject\":\"" + "x".repeat(2 * DLQ_MAX_MESSAGE_BYTES) + "\"}";
        produceInOneBatch(List.of("{\"id\":0}", large, "{\"id\":2}", "not json"));
        TopicPartition partition = new TopicPartition(TOPIC, 0);

        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 2);
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(committed(partition)).as("committed offset while offset 1 is in neither place")
                    .isLessThanOrEqualTo(1);
            Thread.sleep(500);
        }

        try (Admin admin = LocalKafka.admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, DLQ),
                    List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048576"),
                            AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<String, String>> dead = kafka.consumeStrings().fromTopics(DLQ, 2)
                .awaitCompletion(Duration.ofSeconds(60)).getRecords();
        assertThat(dead).extracting(record -> header(record, "dead-letter-offset")).containsExactly("1", "3");
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(partition) == 4);
        assertThat(rows()).isEqualTo(2);
    }

    private static void produceInOneBatch(List<String> values) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 1_000_000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k", value));
            }
            producer.flush(); // one producer batch: the consumer fetches the records in one poll
        }
    }

    private static long committed(TopicPartition partition) {
        OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP, partition);
        return committed == null ? 0 : committed.offset();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }
}
