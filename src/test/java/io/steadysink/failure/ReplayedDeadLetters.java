package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;

/**
 * A dead-letter round trip for one table: records rejected by a constraint go to the dead-letter
 * topic, the dead-letter topic ends up holding one of them twice (as after a crash between the
 * dead-letter send and the commit), the constraint is dropped and the replay command runs.
 */
final class ReplayedDeadLetters {

    /**
     * The application of one replay test, in {@code mode}, with topics, group and table of its own
     * (named as {@link #ReplayedDeadLetters(String)} names them), created before it starts.
     */
    abstract static class Profile implements QuarkusTestProfile {
        private final ReplayedDeadLetters names;
        private final String mode;

        Profile(String mode) {
            this.names = new ReplayedDeadLetters(mode);
            this.mode = mode;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Topics.class, Map.of("topic", names.topic, "dlq", names.dlq)));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", names.topic, "sink.table", names.table, "sink.group-id", names.group,
                    "sink.dlq-topic", names.dlq, "sink.mode", mode);
        }
    }

    /** Creates the source topic (one partition) and the dead-letter topic before the application starts. */
    public static class Topics implements QuarkusTestResourceLifecycleManager {
        private String topic;
        private String dlq;

        @Override
        public void init(Map<String, String> args) {
            topic = args.get("topic");
            dlq = args.get("dlq");
        }

        @Override
        public Map<String, String> start() {
            LocalKafka.createTopic(topic, 1);
            LocalKafka.createTopic(dlq, 1);
            return Map.of();
        }

        @Override
        public void stop() {
            // topics live as long as the shared broker
        }
    }

    private final String topic;
    private final String dlq;
    private final String group;
    private final String table;
    private int produced;

    /** The round trip of the test in {@code mode}: its topic, dead-letter topic, group and table. */
    ReplayedDeadLetters(String mode) {
        this.topic = "replay-" + mode + "-events";
        this.dlq = "replay-" + mode + "-dlq";
        this.group = "steady-sink-replay-" + mode;
        this.table = "replay_" + mode + "_events";
    }

    /** The table the records land in. */
    String table() {
        return table;
    }

    /** Rows of the table matching {@code where}. */
    long rows(String where) {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + table + " WHERE " + where);
    }

    /** PostgreSQL rejects every record with a {@code "reject"} field until {@link #fixAndReplay} runs. */
    void rejectMarkedRecords() {
        LocalPostgres.execute("ALTER TABLE " + table + " ADD CONSTRAINT " + table
                + "_rejects CHECK (payload -> 'reject' IS NULL)");
    }

    void produce(String key, String value, long timestamp) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, 0, timestamp, key.getBytes(), value.getBytes())).get();
            produced++;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for {@code count} dead letters, then writes the first one to the dead-letter topic again. */
    void awaitDeadLettersAndDuplicateTheFirst(KafkaCompanion kafka, int count) {
        List<ConsumerRecord<byte[], byte[]>> dead = kafka
                .consume(Serdes.ByteArray(), Serdes.ByteArray()).fromTopics(dlq, count)
                .awaitCompletion(Duration.ofSeconds(60)).getRecords();
        ConsumerRecord<byte[], byte[]> first = dead.get(0);
        kafka.produce(Serdes.ByteArray(), Serdes.ByteArray())
                .fromRecords(new ProducerRecord<>(dlq, 0, first.key(), first.value(), first.headers()))
                .awaitCompletion(Duration.ofSeconds(30));
    }

    /** Drops the constraint, replays the dead-letter topic and waits until the replays are committed. */
    void fixAndReplay(KafkaCompanion kafka, int replays) throws Exception {
        LocalPostgres.execute("ALTER TABLE " + table + " DROP CONSTRAINT " + table + "_rejects");
        TopicPartition partition = new TopicPartition(topic, 0);
        DeadLetterReplay.Summary summary = new DeadLetterReplay(dlq, group,
                Map.of("bootstrap.servers", LocalKafka.bootstrapServers())).run(false, line -> {
                });
        assertThat(summary.total()).isEqualTo(replays);
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka, partition) == produced + replays);
    }

    long committed(KafkaCompanion kafka, TopicPartition partition) {
        OffsetAndMetadata committed = kafka.consumerGroups().offsets(group, partition);
        return committed == null ? 0 : committed.offset();
    }
}
