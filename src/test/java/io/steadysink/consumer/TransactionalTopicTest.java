package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.health.ConsumerMonitor;
import io.steadysink.health.ConsumerState;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * A topic written by a transactional producer that aborts every other transaction: only committed
 * records reach the table, and the group's committed offset reaches the log end, past the
 * transaction markers, so lag reads zero and the consumer goes IDLE.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(TransactionalTopicTest.OwnTopic.class)
class TransactionalTopicTest extends SinkUnderTest {

    static final String TOPIC = "txn-events";
    static final String TABLE = "txn_events";
    static final String GROUP = "steady-sink-txn";
    static final int ROUNDS = 3;
    static final int PER_TRANSACTION = 30;

    public static class OwnTopic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP,
                    "sink.lag-interval-ms", "1000");
        }
    }

    @Inject
    ConsumerMonitor monitor;

    @BeforeAll
    static void produceAbortedAndCommittedTransactions() {
        LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "txn-events-producer"),
                new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            int id = 0;
            for (int round = 0; round < ROUNDS; round++) {
                for (boolean commit : new boolean[]{false, true}) {
                    producer.beginTransaction();
                    for (int i = 0; i < PER_TRANSACTION; i++, id++) {
                        producer.send(new ProducerRecord<>(TOPIC, id % SinkInfrastructure.PARTITIONS, "k" + id,
                                "{\"id\":" + id + ",\"committed\":" + commit + "}"));
                    }
                    if (commit) {
                        producer.commitTransaction();
                    } else {
                        producer.flush();
                        producer.abortTransaction();
                    }
                }
            }
        }
    }

    @Test
    void recordsOfAbortedTransactionsNeverReachTheTable() {
        await().atMost(Duration.ofSeconds(60)).until(() -> rows("committed") == ROUNDS * PER_TRANSACTION);
        assertThat(rows("NOT committed")).as("rows from aborted transactions").isZero();
    }

    @Test
    void committedOffsetReachesTheLogEndPastTransactionMarkers() {
        await().atMost(Duration.ofSeconds(60)).until(() -> rows("committed") == ROUNDS * PER_TRANSACTION);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                GroupProgress.committedLag(kafka, GROUP, TOPIC, SinkInfrastructure.PARTITIONS))
                .as("records between the group's committed offsets and the log end").isZero());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(monitor.snapshot().state()).isEqualTo(ConsumerState.IDLE));
    }

    private static long rows(String condition) {
        return LocalPostgres.queryLong(
                "SELECT count(*) FROM " + TABLE + " WHERE "
                        + condition.replace("committed", "(payload->>'committed')::boolean"));
    }
}
