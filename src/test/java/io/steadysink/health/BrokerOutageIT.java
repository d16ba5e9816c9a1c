package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The broker goes away (a broker of its own, stopped for good): readiness goes DOWN because the
 * broker is unreachable, liveness stays UP (the poll loop keeps running; a restart would not bring
 * the broker back), and one WARN says since when.
 */
class BrokerOutageIT {

    private static final String TOPIC = "broker-outage-events";
    private static final String TABLE = "broker_outage_events";

    @Test
    void brokerStoppedTurnsReadinessDownAndLeavesLivenessUp() throws Exception {
        KafkaClusterTestKit broker = LocalKafka.startCluster();
        boolean stopped = false;
        try {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                for (int id = 0; id < 100; id++) {
                    producer.send(new ProducerRecord<>(TOPIC, "k" + id, "{\"id\":" + id + "}"));
                }
            }
            Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, "broker-outage-group", TABLE);
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("SINK_LAG_INTERVAL_MS", "1000");
            try (SteadySinkProcess app = SteadySinkProcess.start("broker-outage", env, false)) {
                app.awaitStarted(Duration.ofSeconds(60));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE) == 100);
                await().atMost(Duration.ofSeconds(20)).until(() -> app.httpStatus("/q/health/ready") == 200);

                broker.close();
                stopped = true;
                long stoppedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(45)).until(() -> app.httpStatus("/q/health/ready") == 503);
                double after = (System.nanoTime() - stoppedAt) / 1e9;
                assertThat(app.httpGet("/q/health/ready")).containsPattern("\"broker reachable\"\\s*:\\s*false")
                        .contains("the Kafka broker is unreachable");
                for (int i = 0; i < 10; i++) {
                    assertThat(app.httpStatus("/q/health/live")).as("live without a broker").isEqualTo(200);
                    assertThat(app.httpStatus("/q/health/started")).isEqualTo(200);
                    Thread.sleep(1_000);
                }
                assertThat(app.httpStatus("/q/health/ready")).isEqualTo(503);
                // said at once with since when, and not again at every lag read (1 s): once a minute
                assertThat(app.output().lines().filter(line -> line.contains("The Kafka broker is unreachable")))
                        .singleElement().asString().containsPattern(
                                "WARN .*The Kafka broker is unreachable \\(since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ;"
                                        + " reading offsets failed: .*\\); readiness is DOWN until it answers");
                System.out.printf(
                        "[probes] broker stopped: ready=%d live=%d started=%d (readiness DOWN after %.1f s)%n",
                        app.httpStatus("/q/health/ready"), app.httpStatus("/q/health/live"),
                        app.httpStatus("/q/health/started"), after);
            }
        } finally {
            if (!stopped) {
                broker.close();
            }
        }
    }
}
