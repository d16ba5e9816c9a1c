package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.AppendTable;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * A permission taken away while records flow: the consumer stops with one line saying what to fix,
 * liveness goes DOWN, nothing is committed past what is in the table, and after the fix a restart
 * writes everything exactly once.
 */
class FatalFailureIT {

    private static final String TOPIC = "fatal-events";
    private static final String GROUP = "fatal-group";
    private static final String TABLE = "fatal_events";
    private static final String USER = "fatal_writer";
    private static final int PARTITIONS = 3;

    @Test
    void aRevokedPermissionStopsTheConsumerWithLivenessDownAndARestartAfterTheFixLosesNothing() throws Exception {
        LocalPostgres.execute("DROP ROLE IF EXISTS " + USER);
        LocalPostgres.execute("CREATE ROLE " + USER + " LOGIN PASSWORD 'secret'");
        LocalPostgres.execute("GRANT CREATE ON SCHEMA public TO " + USER);
        FlowingTopic topic = new FlowingTopic(TOPIC, PARTITIONS, 9_000).start(300);
        AppendTable table = new AppendTable(TABLE);
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE);
        env.put("QUARKUS_DATASOURCE_USERNAME", USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", "secret");

        try (SteadySinkProcess app = SteadySinkProcess.start("fatal-permission", env, false)) {
            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> table.rows() >= 1_000);
            assertThat(app.httpStatus("/q/health/live")).isEqualTo(200);

            // the table now belongs to someone else: the sink's user may no longer write it
            LocalPostgres.execute("ALTER TABLE " + TABLE + " OWNER TO " + LocalPostgres.USER);

            await().atMost(Duration.ofSeconds(30)).until(() -> app.httpStatus("/q/health/live") == 503);
            assertThat(app.httpStatus("/q/health/ready")).isEqualTo(503);
            assertThat(app.httpGet("/q/health/live")).contains("FAILED", "GRANT SELECT, INSERT, UPDATE ON " + TABLE);
            String stopped = "Consumer stopped: the database user may not write table " + TABLE + ": GRANT SELECT, "
                    + "INSERT, UPDATE ON " + TABLE + " TO the user of QUARKUS_DATASOURCE_USERNAME";
            assertThat(app.output()).containsOnlyOnce(stopped);

            long rows = table.rows();
            Thread.sleep(3_000);
            assertThat(table.rows()).as("the consumer stopped writing").isEqualTo(rows);
            assertThat(app.isAlive()).as("the pod stays for Kubernetes to restart").isTrue();
            assertCommittedOffsetsAreAllInTheTable(table);

            assertThat(app.stop()).as("SIGTERM still shuts down cleanly").isZero();
        }
        assertCommittedOffsetsAreAllInTheTable(table);

        LocalPostgres.execute("GRANT SELECT, INSERT, UPDATE ON " + TABLE + " TO " + USER);
        assertThat(topic.awaitDone(Duration.ofSeconds(60))).isTrue();
        try (SteadySinkProcess app = SteadySinkProcess.start("fatal-permission-fixed", env, false)) {
            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(90)).until(() -> table.rows() >= topic.records());
            assertThat(table.contents()).isEqualTo(topic.produced());
            assertThat(app.httpStatus("/q/health/live")).isEqualTo(200);
            assertThat(app.stop()).isZero();
        }
    }

    /** Every offset below a committed position is a row: nothing was committed past the failure. */
    private static void assertCommittedOffsetsAreAllInTheTable(AppendTable table) {
        Map<String, Integer> rows = table.contents();
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            Map<TopicPartition, OffsetAndMetadata> committed = kafka.consumerGroups().offsets(GROUP);
            for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : committed.entrySet()) {
                int partition = entry.getKey().partition();
                for (long offset = 0; offset < entry.getValue().offset(); offset++) {
                    assertThat(rows).as("committed %s", entry).containsKey(partition + "@" + offset);
                }
            }
        }
    }
}
