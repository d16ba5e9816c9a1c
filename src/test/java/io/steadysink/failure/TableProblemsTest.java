package io.steadysink.failure;

import static io.steadysink.testing.Probes.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * When the table, not a record, is the problem, through the running application: a statement that
 * always outruns {@code statement_timeout} is reported as stuck (not as a database outage) while the
 * rest of its batch is written; then a NOT NULL column added to the table stops the consumer as
 * FAILED before a single record is dead-lettered or committed. In that order: FAILED is final.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(TableProblemsTest.ShortStatements.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TableProblemsTest extends SinkUnderTest {

    static final String TOPIC = "table-problem-events";
    static final String DLQ = "table-problem-dlq";
    static final String GROUP = "steady-sink-table-problems";
    static final String TABLE = "table_problem_events";

    public static class ShortStatements implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP, "sink.dlq-topic", DLQ,
                    "sink.lag-interval-ms", "500", "sink.statement-timeout-ms", "300",
                    "sink.retry-backoff-max-ms", "500");
        }
    }

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
        LocalKafka.createTopic(DLQ, 1);
    }

    @Test
    @Order(1)
    void aRecordThatAlwaysOutrunsTheStatementTimeoutIsReportedAsAStuckStatementNotAnOutage() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> state().equals("IDLE"));
        LocalPostgres.execute("CREATE FUNCTION " + TABLE + "_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF "
                + "NEW.payload->>'slow' = 'true' THEN PERFORM pg_sleep(2); END IF; RETURN NEW; END $$");
        LocalPostgres.execute("CREATE TRIGGER slow BEFORE INSERT ON " + TABLE + " FOR EACH ROW EXECUTE FUNCTION "
                + TABLE + "_slow()");
        try {
            stuckWhileTheRestIsWritten();
        } finally {
            LocalPostgres.execute("DROP TRIGGER IF EXISTS slow ON " + TABLE);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 31);
        await().atMost(Duration.ofSeconds(30)).until(() -> state().equals("IDLE")
                && GroupProgress.committedLag(kafka, GROUP, TOPIC, SinkInfrastructure.PARTITIONS) == 0);
    }

    private void stuckWhileTheRestIsWritten() throws Exception {
        String slow;
        try (KafkaProducer<String, String> producer = producer()) {
            for (int id = 0; id < 15; id++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + id, "{\"id\":" + id + "}"));
            }
            RecordMetadata at = producer.send(new ProducerRecord<>(TOPIC, 0, "slow", "{\"slow\":true}")).get();
            slow = TOPIC + "-0@" + at.offset();
            // the slow record is the last of partition 0: nothing after it waits for it there
            for (int id = 15; id < 30; id++) {
                producer.send(new ProducerRecord<>(TOPIC, 1 + id % 2, "k" + id, "{\"id\":" + id + "}"));
            }
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(state()).isEqualTo("STATEMENT_STUCK");
            assertThat(rows()).as("every record but the slow one is written").isEqualTo(30);
            assertThat(get(ready).body()).as("the stuck write is the slow record alone")
                    .contains("1 record (" + slow + ")").contains("SINK_STATEMENT_TIMEOUT_MS");
        });
        assertThat(statuses()).as("the database answers: ready; a restart would not help: live")
                .isEqualTo("started=200 ready=200 live=200");
        String scrape = scrape();
        assertThat(Scrape.value(scrape, "steady_sink_statement_timeouts_total")).isPositive();
        assertThat(Scrape.value(scrape, "steady_sink_consumer_state{state=\"STATEMENT_STUCK\"}")).isEqualTo(1);
        assertThat(Scrape.value(scrape, "steady_sink_consumer_state{state=\"DOWNSTREAM_DOWN\"}")).isZero();
    }

    @Test
    @Order(2)
    void aNotNullColumnAddedToTheTableStopsTheConsumerBeforeAnyRecordIsDeadLetteredOrCommitted() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> state().equals("IDLE"));
        // what a DBA does to add a required column to a table that has rows
        LocalPostgres.execute("ALTER TABLE " + TABLE + " ADD COLUMN region text NOT NULL DEFAULT 'eu'");
        LocalPostgres.execute("ALTER TABLE " + TABLE + " ALTER COLUMN region DROP DEFAULT");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        long endBefore = kafka.offsets().list(List.of(partition)).get(partition).offset();
        long rowsBefore = rows();
        try (KafkaProducer<String, String> producer = producer()) {
            // one producer batch, so the consumer receives the 50 records as one batch
            for (int id = 100; id < 150; id++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, "k" + id, "{\"id\":" + id + "}"));
            }
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(state()).isEqualTo("FAILED"));
        assertThat(statuses()).isEqualTo("started=200 ready=503 live=503");
        assertThat(get(live).body()).contains("SQLSTATE 23502", "column region", "NOT NULL");
        assertThat(kafka.offsets().list(List.of(new TopicPartition(DLQ, 0))).values())
                .as("nothing dead-lettered").allSatisfy(end -> assertThat(end.offset()).isZero());
        OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP, List.of(partition)).get(partition);
        assertThat(committed == null ? 0 : committed.offset()).as("nothing of the new records committed")
                .isLessThanOrEqualTo(endBefore);
        assertThat(rows()).isEqualTo(rowsBefore);
    }

    private static KafkaProducer<String, String> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 1_000);
        return new KafkaProducer<>(properties);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }

}
