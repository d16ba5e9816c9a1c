package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.SteadySinkProcess;

/** What every start-up run against a missing dependency checks, whichever the dependency. */
final class StartupRuns {

    /** The longest a SIGTERM during start-up may take to end the process. */
    static final Duration PROMPT_EXIT = Duration.ofSeconds(2);

    private StartupRuns() {
    }

    /**
     * The one line on standard error when the wait for {@code dependency} (e.g. "PostgreSQL at
     * localhost:5432 (QUARKUS_DATASOURCE_JDBC_URL)") is over, as a pattern.
     */
    static String gaveUp(String dependency, String reason, String waitMs, String fix) {
        return Pattern.quote("steady-sink cannot start: " + dependency + " is still unavailable after ") + "\\d+"
                + Pattern.quote(" s of waiting, since ") + "\\S+Z" + Pattern.quote(" (" + reason
                        + "), and the start-up wait is over (SINK_STARTUP_WAIT_MS=" + waitMs + "): " + fix)
                + "\n";
    }

    /** SIGTERM during the wait for {@code dependency}: exit 0 at once, nothing on standard error. */
    static void stopsAtOnceWhileWaitingFor(SteadySinkProcess app, String dependency) {
        SteadySinkProcess.Stopped stopped = app.stopTimed();
        System.out.printf("SIGTERM while waiting for %s: exit %d after %d ms%n", dependency, stopped.exitCode(),
                stopped.afterSignal().toMillis());

        assertThat(stopped.exitCode()).as("exit code of a requested stop").isZero();
        assertThat(stopped.afterSignal()).as("time from SIGTERM to exit").isLessThan(PROMPT_EXIT);
        assertThat(app.errors()).as("standard error").isEmpty();
        assertThat(app.output()).contains("Stopped on request during start-up, while waiting for " + dependency);
        assertNoStackTrace(app);
    }

    /** SIGTERM once started after {@code dependency} appeared late: exit 0, nothing on standard error. */
    static void stopsCleanlyAfterAppearing(SteadySinkProcess app, String dependency) {
        SteadySinkProcess.Stopped stopped = app.stopTimed();
        System.out.printf("SIGTERM after start-up (%s appeared late): exit %d after %d ms%n", dependency,
                stopped.exitCode(), stopped.afterSignal().toMillis());
        assertThat(stopped.exitCode()).isZero();
        assertThat(app.errors()).isEmpty();
    }

    static void produce(String topic, int records) {
        List<ProducerRecord<String, String>> batch = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            batch.add(new ProducerRecord<>(topic, "k" + i, "{\"id\":" + i + "}"));
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            kafka.produceStrings().fromRecords(batch).awaitCompletion(Duration.ofSeconds(30));
        }
    }

    static void assertNoStackTrace(SteadySinkProcess app) {
        assertThat(app.output()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
    }
}
