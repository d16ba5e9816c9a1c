package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/** The packaged application, started as in production without {@code SINK_AUTO_OFFSET_RESET}. */
class MissingAutoOffsetResetIT {

    @Test
    void startupFailsWithOneLineNamingTheVariableAndItsChoicesBeforeTouchingKafkaOrPostgres() {
        LocalKafka.createTopic("unset-reset-events", 1);
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_TOPICS", "unset-reset-events");
        env.put("SINK_GROUP_ID", "unset-reset-group");
        env.put("SINK_TABLE", "unset_reset_events");

        try (SteadySinkProcess app = SteadySinkProcess.start("missing-auto-offset-reset", env, false)) {
            int exit = app.awaitExit(Duration.ofSeconds(90));

            assertThat(exit).isNotZero();
            assertThat(app.output()).contains("SINK_AUTO_OFFSET_RESET is not set: set it to 'earliest' (replay the "
                    + "topic's history) or 'latest' (only records produced from now on) for a group without "
                    + "committed offsets");
        }
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'unset_reset%'"))
                .as("no migration ran").isZero();
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            assertThat(kafka.consumerGroups().list()).as("the consumer never joined")
                    .noneMatch(group -> group.groupId().equals("unset-reset-group"));
        }
    }
}
