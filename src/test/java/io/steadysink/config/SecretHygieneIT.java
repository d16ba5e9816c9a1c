package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
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
 * Secrets given the way Kubernetes gives them (environment variables from a Secret) never show:
 * not in the log (JSON, as in production), not in {@code /q/health}, not in {@code /q/metrics},
 * not when Kafka refuses the password (the error path). The broker takes SASL/PLAIN logins; the Kafka settings reach
 * the consumer, the lag reader and the dead-letter producer through {@code KAFKA_*} variables only.
 */
class SecretHygieneIT {

    private static final String TOPIC = "hygiene-events";
    private static final String DLQ_TOPIC = "hygiene-events-dlq";
    private static final String TABLE = "hygiene_events";
    private static final String KAFKA_USER = "steady-sink";
    private static final String KAFKA_PASSWORD = "kafka-pw-Q7xv2Lm9Tz";
    private static final String WRONG_KAFKA_PASSWORD = "wrong-pw-R4nd0mJ8wq";
    private static final String DB_USER = "hygiene_sink";
    private static final String DB_PASSWORD = "db-pw-H3kP9sW2vY";

    @Test
    void secretsNeverAppearInLogsHealthMetricsOrAuthenticationErrors() throws Exception {
        LocalPostgres.execute("CREATE ROLE " + DB_USER + " LOGIN PASSWORD '" + DB_PASSWORD + "'");
        LocalPostgres.execute("GRANT CREATE, USAGE ON SCHEMA public TO " + DB_USER);
        try (KafkaClusterTestKit broker = LocalKafka.startSaslCluster(Map.of(KAFKA_USER, KAFKA_PASSWORD))) {
            Map<String, Object> client = LocalKafka.saslClientConfig(broker, KAFKA_USER, KAFKA_PASSWORD);
            try (Admin admin = Admin.create(client)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic(DLQ_TOPIC, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            Map<String, Object> producerConfig = new HashMap<>(client);
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
                for (int id = 0; id < 20; id++) {
                    producer.send(new ProducerRecord<>(TOPIC, "k" + id, "{\"id\":" + id + "}"));
                }
                producer.send(new ProducerRecord<>(TOPIC, "poison", "not json")).get(30, TimeUnit.SECONDS);
            }

            List<String> exposed = new ArrayList<>();
            try (SteadySinkProcess app = SteadySinkProcess.start("secret-hygiene", env(broker, KAFKA_PASSWORD),
                    false)) {
                app.awaitStarted(Duration.ofSeconds(90));
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE) == 20);
                await().atMost(Duration.ofSeconds(30)).until(() -> app.httpGet("/q/metrics")
                        .contains("steady_sink_records_dead_lettered_total{"));
                await().atMost(Duration.ofSeconds(30)).until(() -> app.httpStatus("/q/health/ready") == 200);
                exposed.addAll(httpViews(app));
                assertThat(app.stop()).isZero();
                String log = app.output();
                assertThat(log).as("the run logged as JSON").containsPattern("(?m)^\\{.*\"message\":\"Consuming ");
                exposed.add(log);
            }

            try (SteadySinkProcess refused = SteadySinkProcess.start("secret-hygiene-refused",
                    env(broker, WRONG_KAFKA_PASSWORD), false)) {
                // Refused at start-up, before the consumer is created: start-up ends with the exit code of a
                // refusing dependency and one line naming the user, without the password.
                assertThat(refused.awaitExit(Duration.ofSeconds(60))).as("exit code of a refusing dependency")
                        .isEqualTo(4);
                assertThat(refused.errors()).isEqualTo("steady-sink cannot start: the Kafka broker at "
                        + broker.bootstrapServers() + " refused the SASL/PLAIN login of user " + KAFKA_USER
                        + " (Authentication failed: Invalid username or password): check the user and password in "
                        + "KAFKA_SASL_JAAS_CONFIG and KAFKA_SASL_MECHANISM\n");
                exposed.add(refused.output());
            }

            for (String view : exposed) {
                for (String secret : List.of(KAFKA_PASSWORD, WRONG_KAFKA_PASSWORD, DB_PASSWORD)) {
                    assertThat(view).as("a log, health or metrics output").doesNotContain(secret);
                }
            }
        }
    }

    private static Map<String, String> env(KafkaClusterTestKit broker, String kafkaPassword) {
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, "secret-hygiene", TABLE);
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("KAFKA_SASL_JAAS_CONFIG", LocalKafka.plainLogin(KAFKA_USER, kafkaPassword));
        env.put("QUARKUS_DATASOURCE_USERNAME", DB_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", DB_PASSWORD);
        env.put("SINK_DLQ_TOPIC", DLQ_TOPIC);
        env.put("SINK_LAG_INTERVAL_MS", "1000");
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
        return env;
    }

    private static List<String> httpViews(SteadySinkProcess app) {
        return List.of(app.httpGet("/q/health"), app.httpGet("/q/health/live"), app.httpGet("/q/health/ready"),
                app.httpGet("/q/health/started"), app.httpGet("/q/metrics"));
    }
}
