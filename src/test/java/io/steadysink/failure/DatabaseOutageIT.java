package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * PostgreSQL itself stopped (connections refused) for longer than two {@code max.poll.interval.ms}
 * while records keep arriving: the consumer stays the same group member, stays live, and once the
 * server is back every record is in the table exactly once.
 */
class DatabaseOutageIT {

    private static final String TOPIC = "outage-events";
    private static final String GROUP = "outage-group";
    private static final String TABLE = "outage_events";
    private static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(10);
    private static final Duration OUTAGE = MAX_POLL_INTERVAL.multipliedBy(2).plusSeconds(5);

    @Test
    void postgresDownForTwoPollIntervalsCostsNoRebalanceAndEveryRecordLandsOnceWhenItReturns() throws Exception {
        Path data = Files.createTempDirectory("outage-postgres");
        int port = SteadySinkProcess.freePort();
        EmbeddedPostgres.Builder server = EmbeddedPostgres.builder().setPort(port).setDataDirectory(data)
                .setCleanDataDirectory(false);
        EmbeddedPostgres postgres = server.start();
        FlowingTopic topic = new FlowingTopic(TOPIC, 3, 15_000).start(300);
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + port + "/postgres");
        env.put("KAFKA_MAX_POLL_INTERVAL_MS", Long.toString(MAX_POLL_INTERVAL.toMillis()));
        env.put("KAFKA_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "2000");
        env.put("SINK_DRAIN_TIMEOUT_MS", "8000");
        env.put("SINK_STATEMENT_TIMEOUT_MS", "2000");
        env.put("SINK_RETRY_BACKOFF_MAX_MS", "2000");

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
                SteadySinkProcess app = SteadySinkProcess.start("database-outage", env, false)) {
            app.awaitStarted(Duration.ofSeconds(60));
            DataSource before = postgres.getPostgresDatabase();
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(before) >= 2_000);
            Set<String> members = members(kafka);
            assertThat(members).hasSize(1);

            assertThat(app.httpStatus("/q/health/ready")).isEqualTo(200);
            postgres.close();
            long down = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> app.httpStatus("/q/health/ready") == 503);
            assertThat(app.httpGet("/q/health/ready")).contains("DOWNSTREAM_DOWN");
            System.out.printf("[probes] database down: ready=%d live=%d started=%d (readiness DOWN after %.1f s)%n",
                    app.httpStatus("/q/health/ready"), app.httpStatus("/q/health/live"),
                    app.httpStatus("/q/health/started"), (System.nanoTime() - down) / 1e9);
            while (System.nanoTime() - down < OUTAGE.toNanos()) {
                assertThat(app.httpStatus("/q/health/live")).as("live while the database is down").isEqualTo(200);
                Thread.sleep(1_000);
            }
            assertThat(app.httpStatus("/q/health/ready")).as("not ready while the database is down").isEqualTo(503);
            assertThat(members(kafka)).as("same member after %s without a database", OUTAGE).isEqualTo(members);
            String metrics = app.httpGet("/q/metrics");
            assertThat(Scrape.value(metrics, "steady_sink_db_retries_total")).as("writes were retried").isPositive();

            postgres = server.start();
            long up = System.nanoTime();
            DataSource after = postgres.getPostgresDatabase();
            long rowsAtRestart = rows(after);
            await().atMost(Duration.ofSeconds(60)).until(() -> rows(after) > rowsAtRestart);
            long firstRow = System.nanoTime();
            assertThat(topic.awaitDone(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(120)).until(() -> rows(after) >= topic.records());
            long caughtUp = System.nanoTime();

            assertThat(contents(after)).isEqualTo(topic.produced());
            await().atMost(Duration.ofSeconds(10)).until(() -> app.httpStatus("/q/health/ready") == 200);
            assertThat(members(kafka)).as("still the same member").isEqualTo(members);
            metrics = app.httpGet("/q/metrics");
            assertThat(Scrape.value(metrics, "steady_sink_rebalances_total{kind=\"revoked\"}")).isZero();
            assertThat(Scrape.value(metrics, "steady_sink_rebalances_total{kind=\"assigned\"}")).isEqualTo(1);
            System.out.printf("[outage] database down %.1f s (max.poll.interval.ms %d); first row %.1f s after it"
                    + " returned; all %d records in %.1f s after it returned; %d rows before the outage%n",
                    (up - down) / 1e9, MAX_POLL_INTERVAL.toMillis(), (firstRow - up) / 1e9, topic.records(),
                    (caughtUp - up) / 1e9, rowsAtRestart);
            assertThat(app.stop()).isZero();
        } finally {
            postgres.close();
        }
    }

    private static Set<String> members(KafkaCompanion kafka) {
        return kafka.consumerGroups().describe(GROUP).members().stream().map(MemberDescription::consumerId)
                .collect(Collectors.toSet());
    }

    private static long rows(DataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("SELECT count(*) FROM " + TABLE)) {
            count.next();
            return count.getLong(1);
        }
    }

    private static Map<String, Integer> contents(DataSource dataSource) throws Exception {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT kafka_partition, kafka_offset, (payload->>'id')::int FROM " + TABLE)) {
            while (row.next()) {
                rows.put(row.getInt(1) + "@" + row.getLong(2), row.getInt(3));
            }
        }
        return rows;
    }
}
