package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application, started as in production with settings or a table it must refuse: one
 * line on standard error, nothing else there, and the exit code of the refusal (2: settings, 4: the
 * database refuses).
 */
class StartupRefusalIT {

    @Test
    void startupFailsWithOneLineNamingTheVariableAndItsChoicesBeforeTouchingKafkaOrPostgres() {
        LocalKafka.createTopic("unset-reset-events", 1);
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_TOPICS", "unset-reset-events");
        env.put("SINK_GROUP_ID", "unset-reset-group");
        env.put("SINK_TABLE", "unset_reset_events");

        try (SteadySinkProcess app = SteadySinkProcess.start("missing-auto-offset-reset", env, false)) {
            int exit = app.awaitExit(Duration.ofSeconds(90));

            assertThat(exit).as("exit code of refused settings").isEqualTo(2);
            String line = "steady-sink cannot start: SINK_AUTO_OFFSET_RESET is not set: set it to 'earliest' (replay "
                    + "the topic's history) or 'latest' (only records produced from now on) for a group without "
                    + "committed offsets";
            assertThat(app.errors()).as("standard error").isEqualTo(line + "\n");
            assertThat(app.output()).as("the log has the line once, and no stack trace").containsOnlyOnce(
                    "ERROR [io.steadysink").doesNotContain("\tat ");
        }
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'unset_reset%'"))
                .as("no migration ran").isZero();
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            assertThat(kafka.consumerGroups().list()).as("the consumer never joined")
                    .noneMatch(group -> group.groupId().equals("unset-reset-group"));
        }
    }

    @Test
    void unsafeKafkaSettingsFromTheEnvironmentAreRefusedWithEveryViolationNamed() {
        Map<String, String> env = SteadySinkProcess.appendSink("unsafe-settings-events", "unsafe-settings-group",
                "unsafe_settings_events");
        env.put("KAFKA_SESSION_TIMEOUT_MS", "12000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "5000");
        env.put("KAFKA_ENABLE_AUTO_COMMIT", "true");
        env.put("SINK_WORKERS", "32");

        try (SteadySinkProcess app = SteadySinkProcess.start("unsafe-settings", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(90))).as("exit code of refused settings").isEqualTo(2);
            assertThat(app.errors().lines()).as("standard error: one line").hasSize(1);
            assertThat(app.errors()).startsWith("steady-sink cannot start: ").contains(
                    "KAFKA_HEARTBEAT_INTERVAL_MS=5000 is more than a third of KAFKA_SESSION_TIMEOUT_MS=12000",
                    "KAFKA_ENABLE_AUTO_COMMIT=true would commit offsets of records not yet written",
                    "SINK_WORKERS=32 is larger than QUARKUS_DATASOURCE_JDBC_MAX_SIZE=20");
        }
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'unsafe_settings%'"))
                .as("no migration ran").isZero();
    }

    @Test
    void aValueThatIsNotANumberIsRefusedWithExitCodeTwoAndOneLineNamingIt() {
        Map<String, String> env = SteadySinkProcess.appendSink("nan-events", "nan-group", "nan_events");
        env.put("SINK_LAG_INTERVAL_MS", "five");

        try (SteadySinkProcess app = SteadySinkProcess.start("not-a-number", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of refused settings").isEqualTo(2);
            assertThat(app.errors()).as("standard error").isEqualTo("steady-sink cannot start: SRCFG00039: The config "
                    + "property sink.lag-interval-ms with the config value \"five\" threw an Exception whilst being "
                    + "converted SRCFG00030: Expected a long value, got \"five\"\n");
        }
    }

    @Test
    void aTableOfAnotherShapeStopsStartupWithOneLineSayingWhatToFix() {
        LocalKafka.createTopic("misshapen-events", 1);
        LocalPostgres.execute("CREATE TABLE IF NOT EXISTS misshapen_events (id integer PRIMARY KEY, body text)");
        Map<String, String> env = SteadySinkProcess.appendSink("misshapen-events", "misshapen-group",
                "misshapen_events");

        try (SteadySinkProcess app = SteadySinkProcess.start("misshapen-table", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(90))).as("exit code of a refusing database").isEqualTo(4);
            assertThat(app.errors()).as("standard error").isEqualTo("steady-sink cannot start: SINK_TABLE="
                    + "misshapen_events exists without the columns [kafka_topic, kafka_partition, kafka_offset, "
                    + "kafka_key, payload, headers, event_time, ingested_at] that SINK_MODE=append needs (it was not "
                    + "created by steady-sink, or for the other mode): set SINK_TABLE to a new table or drop this one\n");
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            assertThat(kafka.consumerGroups().list()).as("the consumer never joined")
                    .noneMatch(group -> group.groupId().equals("misshapen-group"));
        }
    }

    @Test
    void anAppendTableWithoutTheKeyOnTheCoordinatesStopsStartupWithTheAlterTableToRun() {
        LocalKafka.createTopic("keyless-events", 1);
        // every column of the append contract, but nothing that makes a replayed record a no-op
        LocalPostgres.execute("CREATE TABLE IF NOT EXISTS keyless_events (kafka_topic text NOT NULL, "
                + "kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, kafka_key text, payload jsonb, "
                + "headers jsonb NOT NULL DEFAULT '{}', event_time timestamptz, ingested_at timestamptz NOT NULL "
                + "DEFAULT now())");
        Map<String, String> env = SteadySinkProcess.appendSink("keyless-events", "keyless-group", "keyless_events");

        try (SteadySinkProcess app = SteadySinkProcess.start("keyless-table", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of a refusing database").isEqualTo(4);
            assertThat(app.errors()).as("standard error").isEqualTo("steady-sink cannot start: SINK_TABLE="
                    + "keyless_events has no PRIMARY KEY or UNIQUE constraint on (kafka_topic, kafka_partition, "
                    + "kafka_offset), which SINK_MODE=append needs to write each record once: ALTER TABLE "
                    + "keyless_events ADD PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)\n");
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            assertThat(kafka.consumerGroups().list()).as("the consumer never joined")
                    .noneMatch(group -> group.groupId().equals("keyless-group"));
        }
    }
}
