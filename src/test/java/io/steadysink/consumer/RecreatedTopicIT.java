package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * A topic deleted and recreated under the same name while the packaged application consumes it:
 * the new topic's offsets start again at 0, where rows of the old topic already are. The consumer
 * must stop with the choices instead of taking the new records for replays, refuse to start again
 * until someone chose, and after the documented fix write the new topic's records.
 */
class RecreatedTopicIT {

    private static final int OLD_RECORDS = 100;
    private static final int NEW_RECORDS = 30;
    private static final int KEYS = 10;

    @Test
    void aRecreatedTopicStopsAnAppendConsumerAndNoneOfItsRecordsIsCommittedAsAReplay() throws Exception {
        recreatedTopicStopsTheConsumer("append", "recreated-append", "recreated_append", NEW_RECORDS);
    }

    @Test
    void aRecreatedTopicStopsAnUpsertConsumerBeforeItsWritesAreSkippedAsStale() throws Exception {
        recreatedTopicStopsTheConsumer("upsert", "recreated-upsert", "recreated_upsert", KEYS);
    }

    @Test
    void aTopicIdChangedWithoutARebalanceIsFoundByThePeriodicCheck() throws Exception {
        String topic = "changed-id-events";
        String table = "changed_id_events";
        LocalKafka.createTopic(topic, 1);
        produce(topic, 0, OLD_RECORDS);
        Map<String, String> env = SteadySinkProcess.appendSink(topic, topic + "-group", table);
        env.put("SINK_LAG_INTERVAL_MS", "1000");

        try (SteadySinkProcess app = SteadySinkProcess.start(topic, env, false)) {
            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM " + table) == OLD_RECORDS);
            assertThat(app.httpStatus("/q/health/live")).isEqualTo(200);

            // as if the table had been filled from a topic of the same name on another cluster
            LocalPostgres.execute("UPDATE " + table + "_topics SET topic_id = gen_random_uuid()");

            await().atMost(Duration.ofSeconds(30)).until(() -> app.httpStatus("/q/health/live") == 503);
            assertThat(app.output()).contains("Consumer stopped: topic " + topic + " was deleted and recreated, or "
                    + "KAFKA_BOOTSTRAP_SERVERS now points at another cluster: table " + table + " recorded topic ID ");
            assertThat(app.stop()).isZero();
        }
    }

    /** @param rowsOfNewTopic rows the new topic's records make once written */
    private static void recreatedTopicStopsTheConsumer(String mode, String topic, String table, int rowsOfNewTopic)
            throws Exception {
        String newRows = "SELECT count(*) FROM " + table + " WHERE (payload->>'id')::int >= 1000";
        String group = topic + "-group";
        TopicPartition partition = new TopicPartition(topic, 0);
        LocalKafka.createTopic(topic, 1);
        produce(topic, 0, OLD_RECORDS);
        Map<String, String> env = SteadySinkProcess.appendSink(topic, group, table);
        env.put("SINK_MODE", mode);
        env.put("SINK_LAG_INTERVAL_MS", "1000");

        Uuid oldId;
        Uuid newId;
        try (SteadySinkProcess app = SteadySinkProcess.start(topic, env, false);
                KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
                Admin admin = LocalKafka.admin()) {
            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> committed(kafka, group, partition) == OLD_RECORDS);
            long rowsBefore = LocalPostgres.queryLong("SELECT count(*) FROM " + table);
            oldId = topicId(admin, topic);

            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic)
                    && committed(kafka, group, partition) < 0);
            recreate(admin, topic);
            newId = topicId(admin, topic);
            produce(topic, 1000, NEW_RECORDS);

            // Either the consumer stops, or it keeps reporting itself caught up on the new topic without its
            // records (held for a while: a report from before the recreation may linger for one lag interval).
            await().atMost(Duration.ofSeconds(60)).during(Duration.ofSeconds(5))
                    .until(() -> app.output().contains("Consumer stopped") || reportsCaughtUp(app, partition));
            assertThat(app.output())
                    .as("the consumer reports itself caught up on the recreated topic with %d of its %d records in the "
                            + "table (committed offset %d)", LocalPostgres.queryLong(newRows), NEW_RECORDS,
                            committed(kafka, group, partition))
                    .contains("Consumer stopped: topic " + topic + " was deleted and recreated, or "
                            + "KAFKA_BOOTSTRAP_SERVERS now points at another cluster",
                            "DELETE FROM " + table + " WHERE kafka_topic = '" + topic + "'; DELETE FROM " + table
                                    + "_topics WHERE topic = '" + topic + "'",
                            "--topic " + topic + " --reset-offsets --to-earliest --execute");
            await().atMost(Duration.ofSeconds(10)).until(() -> app.httpStatus("/q/health/live") == 503);
            assertThat(app.httpGet("/q/health/live")).contains("FAILED", "was deleted and recreated");
            Thread.sleep(2_000); // anything still running would show here
            assertThat(committed(kafka, group, partition))
                    .as("none, or the old topic's position committed when its partition was revoked")
                    .isIn(-1L, (long) OLD_RECORDS);
            assertThat(LocalPostgres.queryLong(newRows)).isZero();
            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(rowsBefore);
            assertThat(app.stop()).isZero();
        }

        try (SteadySinkProcess restarted = SteadySinkProcess.start(topic + "-restart", env, false)) {
            assertThat(restarted.awaitExit(Duration.ofSeconds(60))).as("a restart refuses to start, as the broker "
                    + "refuses the table's history (exit code 4)").isEqualTo(4);
            assertThat(restarted.errors().lines()).as("standard error: one line").singleElement().asString()
                    .startsWith("steady-sink cannot start: ")
                    .contains("topic " + topic + " was deleted and recreated",
                            "table " + table + " recorded topic ID " + oldId + " for it, the broker reports " + newId);
        }

        // the first choice, as the line gives it: the new topic is a new stream
        LocalPostgres.execute("DELETE FROM " + table + " WHERE kafka_topic = '" + topic + "'");
        LocalPostgres.execute("DELETE FROM " + table + "_topics WHERE topic = '" + topic + "'");
        try (Admin admin = LocalKafka.admin()) {
            admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(0))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        try (SteadySinkProcess fixed = SteadySinkProcess.start(topic + "-fixed", env, false)) {
            fixed.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> LocalPostgres.queryLong(newRows) == rowsOfNewTopic);
            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(rowsOfNewTopic);
            assertThat(fixed.httpStatus("/q/health/live")).isEqualTo(200);
            assertThat(fixed.stop()).isZero();
        }
    }

    private static void produce(String topic, int firstId, int count) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new ProducerRecord<>(topic, "k" + (i % KEYS), "{\"id\":" + (firstId + i) + "}"));
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
        }
    }

    /** Whether readiness shows the consumer idle with no lag on {@code partition}: it owns it and is done. */
    private static boolean reportsCaughtUp(SteadySinkProcess app, TopicPartition partition) {
        String ready = app.httpGet("/q/health/ready").replaceAll("\\s*:\\s*", ":");
        return ready.contains("\"state\":\"IDLE\"") && ready.contains("\"lag " + partition + "\":\"0 records");
    }

    /** The group's committed offset of {@code partition}, -1 when there is none. */
    private static long committed(KafkaCompanion kafka, String group, TopicPartition partition) {
        OffsetAndMetadata offset = kafka.consumerGroups().offsets(group).get(partition);
        return offset == null ? -1 : offset.offset();
    }

    private static Uuid topicId(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
    }

    /** Creates the topic again, retrying while the broker still finishes deleting the old one. */
    private static void recreate(Admin admin, String topic) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return false;
                }
                throw e;
            }
        });
    }
}
