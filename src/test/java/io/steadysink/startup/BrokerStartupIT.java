package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

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

    private static final String BROKER_FIX = "start the broker or correct KAFKA_BOOTSTRAP_SERVERS, or raise"
            + " SINK_STARTUP_WAIT_MS";

    @Test
    void aBrokerThatAppearsDuringTheWaitIsUsedAndRecordsLand() {
        String topic = "broker-later-events";
        LocalKafka.createTopic(topic, 1);
        StartupRuns.produce(topic, 20);
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
            StartupRuns.stopsCleanlyAfterAppearing(app, "the Kafka broker");
        }
    }

    @Test
    void aBrokerStillAwayWhenTheBudgetIsSpentEndsStartupWithExitCodeThreeAndOneLine() {
        try (TcpGate gate = gateToTheBroker();
                SteadySinkProcess app = SteadySinkProcess.start("broker-never", gated("broker-never-events",
                        "broker_never_events", gate, "3000"), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of an unavailable dependency")
                    .isEqualTo(3);
            assertThat(app.errors()).matches(StartupRuns.gaveUp("the Kafka broker at localhost:" + gate.port()
                    + " (KAFKA_BOOTSTRAP_SERVERS)", "no broker answered within 5 s", "3000", BROKER_FIX));
            StartupRuns.assertNoStackTrace(app);
        }
    }

    @Test
    void sigtermWhileWaitingForTheBrokerExitsZeroAtOnce() {
        try (TcpGate gate = gateToTheBroker();
                SteadySinkProcess app = SteadySinkProcess.start("broker-wait-term", gated("broker-term-events",
                        "broker_term_events", gate, "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for the Kafka broker"));

            StartupRuns.stopsAtOnceWhileWaitingFor(app, "the Kafka broker at localhost:" + gate.port());
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
            assertThat(app.errors()).matches(StartupRuns.gaveUp("the Kafka broker at nosuch-broker.invalid:9092"
                    + " (KAFKA_BOOTSTRAP_SERVERS)", "no bootstrap address resolves: nosuch-broker.invalid", "2000",
                    BROKER_FIX));
            assertThat(app.output()).contains("Waiting for the Kafka broker at nosuch-broker.invalid:9092 "
                    + "(KAFKA_BOOTSTRAP_SERVERS) since");
            StartupRuns.assertNoStackTrace(app);
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

}
