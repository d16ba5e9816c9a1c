package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    @Test
    void validSettingsHaveNoProblems() {
        assertThat(SinkSettings.problems(settings("earliest", "append", "events", 4, "fail"))).isEmpty();
        assertThat(SinkSettings.problems(settings("LATEST", "upsert", "state", 1, "dead-letter-queue"))).isEmpty();
    }

    @Test
    void unsetAutoOffsetResetNamesTheVariableAndBothChoices() {
        List<String> problems = SinkSettings.problems(settings(null, "append", "events", 4, "fail"));

        assertThat(problems).singleElement().asString()
                .startsWith("SINK_AUTO_OFFSET_RESET is not set")
                .contains("'earliest'", "'latest'")
                .doesNotContain("\n");
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        SinkConfig config = new Settings(Optional.empty(), Optional.of("sometimes"), "merge", "Bad-Name", 0, "retry");

        assertThat(SinkSettings.problems(config)).hasSize(6)
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TOPICS"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_AUTO_OFFSET_RESET='sometimes'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_MODE='merge'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TABLE='Bad-Name'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_WORKERS=0"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_FAILURE_STRATEGY='retry'"));
    }

    private static SinkConfig settings(String reset, String mode, String table, int workers, String strategy) {
        return new Settings(Optional.of(List.of("orders")), Optional.ofNullable(reset), mode, table, workers, strategy);
    }

    private record Settings(Optional<List<String>> topics, Optional<String> autoOffsetReset, String mode, String table,
            int workers, String failureStrategy) implements SinkConfig {

        @Override
        public String groupId() {
            return "steady-sink";
        }

        @Override
        public String dlqTopic() {
            return "steady-sink-dlq";
        }

        @Override
        public long statementTimeoutMs() {
            return 30_000;
        }

        @Override
        public long drainTimeoutMs() {
            return 20_000;
        }

        @Override
        public long sessionTimeoutMinMs() {
            return 6_000;
        }

        @Override
        public long sessionTimeoutMaxMs() {
            return 300_000;
        }
    }
}
