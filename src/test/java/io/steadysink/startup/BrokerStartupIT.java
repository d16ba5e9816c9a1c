package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;
import io.steadysink.testing.TcpGate;

/**
 * The packaged application started while the Kafka broker is not there: it waits within
 * {@code SINK_STARTUP_WAIT_MS} with one line of its own (the Kafka client's connection warnings are
 * not logged), starts consuming once the broker appears, stops at once on SIGTERM, and gives up with
 * exit code 3 and one line when the time is spent.
 */
class BrokerStartupIT {

    private static final Duration PROMPT_EXIT = Duration.ofSeconds(2);

    @Test
    void aBrokerThatAppearsDuringTheWaitIsUsedAndRecordsLand() {
        String topic = "broker-later-events";
        LocalKafka.createTopic(topic, 1);
        produce(topic, 20);
        try (TcpGate gate = gateToTheBroker();
                SteadySinkProcess app = SteadySinkProcess.start("broker-later", gated(topic, "broker_later_events",
                        gate, "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for the Kafka broker"));
            assertThat(app.output()).containsPattern("WARN .*Waiting for the Kafka broker at localhost:" + gate.port()
                    + " \\(KAFKA_BOOTSTRAP_SERVERS\\) since \\S+Z: no broker answered within 5 s; start-up gives up "
                    + "in \\d+ s \\(SINK_STARTUP_WAIT_MS=60000\\)");
            assertThat(app.httpStatus("/q/health/started")).as("not started while it waits").isNotEqualTo(200);

            gate.open();

            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM broker_later_events") == 20);
            assertThat(app.output()).containsPattern("The Kafka broker at localhost:" + gate.port()
                    + " \\(KAFKA_BOOTSTRAP_SERVERS\\) answered after \\d+ s of waiting")
                    .as("the Kafka client's own connection warnings").doesNotContain("[org.apache.kafka.clients");
            SteadySinkProcess.Stopped stopped = app.stopTimed();
            System.out.printf("SIGTERM after start-up (the Kafka broker appeared late): exit %d after %d ms%n",
                    stopped.exitCode(), stopped.afterSignal().toMillis());
            assertThat(stopped.exitCode()).isZero();
            assertThat(app.errors()).isEmpty();
        }
    }

    @Test
    void aBrokerStillAwayWhenTheBudgetIsSpentEndsStartupWithExitCodeThreeAndOneLine() {
        try (TcpGate gate = gateToTheBroker();
                SteadySinkProcess app = SteadySinkProcess.start("broker-never", gated("broker-never-events",
                        "broker_never_events", gate, "3000"), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of an unavailable dependency")
                    .isEqualTo(3);
            assertThat(app.errors()).matches(Pattern.quote("steady-sink cannot start: the Kafka broker at localhost:"
                    + gate.port() + " (KAFKA_BOOTSTRAP_SERVERS) is still unavailable after ") + "\\d+"
                    + Pattern.quote(" s of waiting, since ") + "\\S+Z" + Pattern.quote(" (no broker answered within "
                            + "5 s), and the start-up wait is over (SINK_STARTUP_WAIT_MS=3000): start the broker or "
                            + "correct KAFKA_BOOTSTRAP_SERVERS, or raise SINK_STARTUP_WAIT_MS")
                    + "\n");
            assertNoStackTrace(app);
        }
    }

    @Test
    void sigtermWhileWaitingForTheBrokerExitsZeroAtOnce() {
        try (TcpGate gate = gateToTheBroker();
                SteadySinkProcess app = SteadySinkProcess.start("broker-wait-term", gated("broker-term-events",
                        "broker_term_events", gate, "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for the Kafka broker"));

            SteadySinkProcess.Stopped stopped = app.stopTimed();
            System.out.printf("SIGTERM while waiting for the Kafka broker: exit %d after %d ms%n", stopped.exitCode(),
                    stopped.afterSignal().toMillis());

            assertThat(stopped.exitCode()).as("exit code of a requested stop").isZero();
            assertThat(stopped.afterSignal()).as("time from SIGTERM to exit").isLessThan(PROMPT_EXIT);
            assertThat(app.errors()).as("standard error").isEmpty();
            assertThat(app.output()).contains("Stopped on request during start-up, while waiting for the Kafka broker "
                    + "at localhost:" + gate.port());
            assertNoStackTrace(app);
        }
    }

    @Test
    void aBootstrapAddressThatDoesNotResolveIsWaitedForLikeABrokerThatIsDown() {
        Map<String, String> env = SteadySinkProcess.appendSink("unresolved-events", "unresolved-group",
                "unresolved_events");
        env.put("KAFKA_BOOTSTRAP_SERVERS", "nosuch-broker.invalid:9092");
        env.put("SINK_STARTUP_WAIT_MS", "2000");
        try (SteadySinkProcess app = SteadySinkProcess.start("broker-unresolved", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of an unavailable dependency")
                    .isEqualTo(3);
            assertThat(app.errors()).matches(Pattern.quote("steady-sink cannot start: the Kafka broker at "
                    + "nosuch-broker.invalid:9092 (KAFKA_BOOTSTRAP_SERVERS) is still unavailable after ") + "\\d+"
                    + Pattern.quote(" s of waiting, since ") + "\\S+Z" + Pattern.quote(" (no bootstrap address "
                            + "resolves: nosuch-broker.invalid), and the start-up wait is over "
                            + "(SINK_STARTUP_WAIT_MS=2000): start the broker or correct KAFKA_BOOTSTRAP_SERVERS, or "
                            + "raise SINK_STARTUP_WAIT_MS")
                    + "\n");
            assertThat(app.output()).contains("Waiting for the Kafka broker at nosuch-broker.invalid:9092 "
                    + "(KAFKA_BOOTSTRAP_SERVERS) since");
            assertNoStackTrace(app);
        }
    }

    /** A closed gate in front of the shared broker's bootstrap address. */
    private static TcpGate gateToTheBroker() {
        String bootstrap = LocalKafka.bootstrapServers();
        int colon = bootstrap.lastIndexOf(':');
        return TcpGate.to(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
    }

    /** An append sink whose broker is behind {@code gate}, waiting at most {@code waitMs}. */
    private static Map<String, String> gated(String topic, String table, TcpGate gate, String waitMs) {
        Map<String, String> env = SteadySinkProcess.appendSink(topic, topic + "-group", table);
        env.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:" + gate.port());
        env.put("SINK_STARTUP_WAIT_MS", waitMs);
        return env;
    }

    private static void produce(String topic, int records) {
        List<ProducerRecord<String, String>> batch = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            batch.add(new ProducerRecord<>(topic, "k" + i, "{\"id\":" + i + "}"));
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            kafka.produceStrings().fromRecords(batch).awaitCompletion(Duration.ofSeconds(30));
        }
    }

    private static void assertNoStackTrace(SteadySinkProcess app) {
        assertThat(app.output()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
    }
}
