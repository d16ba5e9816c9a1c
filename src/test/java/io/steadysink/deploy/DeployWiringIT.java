package io.steadysink.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.steadysink.config.SinkMode;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application started with the dev overlay's ConfigMap (only the addresses, topic,
 * table and port pointed at the local broker and database, and a route file of one change-events
 * route on a topic of its own, so that the route series exist): its settings pass
 * the config doctor, every probe path of every overlay answers 200, and every metric the alert
 * rules and dashboards query is one the running instance exports, once records have been written,
 * dead-lettered and skipped. And the static-membership overlay's variable, {@code KAFKA_GROUP_INSTANCE_ID}, reaches the
 * consumer as {@code group.instance.id}.
 */
class DeployWiringIT {

    private static final String TOPIC = "deploy-wiring-events";
    private static final String DLQ_TOPIC = "deploy-wiring-events-dlq";
    private static final String TABLE = "deploy_wiring_events";
    private static final String CHANGES_TOPIC = "deploy-wiring.shop.customers";
    private static final String CHANGES_TABLE = "deploy_wiring_customers";

    @Test
    void devConfigStartsAnInstanceThatServesEveryProbeAndExportsEveryQueriedMetric() throws IOException {
        List<RenderedOverlay> overlays = RenderedOverlay.all();
        RenderedOverlay dev = overlays.stream().filter(o -> o.name().equals("dev")).findFirst().orElseThrow();

        LocalKafka.createTopic(TOPIC, 2);
        LocalKafka.createTopic(DLQ_TOPIC, 1);
        LocalKafka.createTopic(CHANGES_TOPIC, 1);
        LocalPostgres.execute("CREATE TABLE IF NOT EXISTS " + CHANGES_TABLE + " (id integer PRIMARY KEY, name text,"
                + " kafka_topic text, kafka_partition integer, kafka_offset bigint)");
        Path routes = Files.createTempFile("deploy-wiring-routes", ".yaml");
        Files.writeString(routes, """
                routes:
                  customers:
                    topics: [%s]
                    table: %s
                    mode: change-events
                """.formatted(CHANGES_TOPIC, CHANGES_TABLE));
        // The first record's row already there (a replay): writing it again changes nothing (a "skipped"
        // record). It must be the same record: another one at its coordinates means a recreated topic.
        long firstTimestamp = 1_700_000_000_000L;
        LocalPostgres.migrate(SinkMode.APPEND, TABLE);
        LocalPostgres.execute("INSERT INTO " + TABLE + " (kafka_topic, kafka_partition, kafka_offset, kafka_key,"
                + " payload, event_time) VALUES ('" + TOPIC + "', 0, 0, 'k0', '{\"id\":0}', to_timestamp("
                + firstTimestamp / 1000 + "))");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (int id = 0; id < 10; id++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, id == 0 ? firstTimestamp : null, "k" + id,
                        "{\"id\":" + id + "}"));
                producer.send(new ProducerRecord<>(TOPIC, 1, "k" + (id + 10), "{\"id\":" + (id + 10) + "}"));
            }
            producer.send(new ProducerRecord<>(TOPIC, 1, "poison", "not json"));
        }

        Map<String, String> env = new HashMap<>(dev.appConfig());
        env.putAll(SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort()));
        env.put("SINK_TOPICS", TOPIC);
        env.put("SINK_DLQ_TOPIC", DLQ_TOPIC);
        env.put("SINK_TABLE", TABLE);
        env.put("SINK_GROUP_ID", "deploy-wiring");
        env.put("SINK_LAG_INTERVAL_MS", "1000");
        // The dev overlay's route file is mounted in the pod only; DemoStackIT runs it against its tables.
        env.put("SINK_ROUTES_FILE", routes.toString());
        try (SteadySinkProcess app = SteadySinkProcess.start("deploy-wiring", env, false)) {
            app.awaitStarted(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE) == 20);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String metrics = app.httpGet("/q/metrics");
                return metrics.contains("steady_sink_records_dead_lettered_total{")
                        && metrics.contains("steady_sink_records_skipped_total{")
                        && metrics.contains("steady_sink_lag_status{");
            });
            Set<String> exported = sampleNames(app.httpGet("/q/metrics"));

            for (RenderedOverlay overlay : overlays) {
                for (String query : queries(overlay)) {
                    assertThat(exported).as(overlay.name() + ": metrics of " + query)
                            .containsAll(MonitoringQueries.metricNames(query));
                }
                Container container = DeployManifestsTest.container(overlay);
                for (Probe probe : List.of(container.getStartupProbe(), container.getReadinessProbe(),
                        container.getLivenessProbe())) {
                    String path = probe.getHttpGet().getPath();
                    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(app.httpStatus(path))
                            .as(overlay.name() + ": " + path).isEqualTo(200));
                }
            }
            assertThat(app.stop()).isZero();
        }
    }

    @Test
    void groupInstanceIdVariableMakesTheMemberStatic() throws Exception {
        String topic = "deploy-static-events";
        LocalKafka.createTopic(topic, 1);
        Map<String, String> env = SteadySinkProcess.appendSink(topic, "deploy-static", "deploy_static_events");
        // What the static-membership overlay sets from the pod name (downward API).
        env.put("KAFKA_GROUP_INSTANCE_ID", "steady-sink-0");
        try (SteadySinkProcess app = SteadySinkProcess.start("deploy-static", env, false);
                Admin admin = LocalKafka.admin()) {
            app.awaitStarted(Duration.ofSeconds(90));
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("deploy-static"))
                    .describedGroups().get("deploy-static").get(30, TimeUnit.SECONDS);
            assertThat(group.members()).hasSize(1);
            assertThat(group.members().iterator().next().groupInstanceId()).contains("steady-sink-0");
            assertThat(app.stop()).isZero();
        }
    }

    private static List<String> queries(RenderedOverlay overlay) {
        List<String> queries = new ArrayList<>(MonitoringQueries.alertExpressions(overlay));
        queries.addAll(MonitoringQueries.dashboardExpressions(overlay));
        return queries;
    }

    /** The sample names of a Prometheus text exposition ({@code name{labels} value}). */
    private static Set<String> sampleNames(String metrics) {
        Set<String> names = new TreeSet<>();
        for (String line : metrics.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return names;
    }
}
