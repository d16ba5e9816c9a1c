package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    @Test
    void validSettingsHaveNoProblems() {
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().build())).isEmpty();
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().withAutoOffsetReset("LATEST").withMode("upsert")
                .withTable("state").withWorkers(1).withDeadLetterQueue("orders-dlq").build())).isEmpty();
    }

    @Test
    void unsetAutoOffsetResetNamesTheVariableAndBothChoices() {
        List<String> problems = SinkSettings.problems(TestSinkConfig.defaults().withAutoOffsetReset(null).build());

        assertThat(problems).singleElement().asString()
                .startsWith("SINK_AUTO_OFFSET_RESET is not set")
                .contains("'earliest'", "'latest'")
                .doesNotContain("\n");
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        SinkConfig config = TestSinkConfig.defaults().withTopics(null).withAutoOffsetReset("sometimes")
                .withMode("merge").withTable("Bad-Name").withWorkers(0).withFailureStrategy("retry").build();

        assertThat(SinkSettings.problems(config)).hasSize(6)
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TOPICS"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_AUTO_OFFSET_RESET='sometimes'")
                        .contains("'earliest'", "'latest'", "'none'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_MODE='merge'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TABLE='Bad-Name'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_WORKERS=0"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_FAILURE_STRATEGY='retry'"));
    }

    @Test
    void rejectionBreakerLimitsOutOfRangeAreRefused() {
        SinkConfig config = TestSinkConfig.defaults().with("rejections-min", "-1")
                .with("rejections-max-ratio", "1.5").with("rejections-window", "0").build();

        assertThat(SinkSettings.problems(config)).hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_MIN=-1"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_MAX_RATIO=1.5"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_WINDOW=0"));
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().with("rejections-min", "0")
                .with("rejections-max-ratio", "1.0").build())).as("0 and 1 turn the rules off").isEmpty();
    }

    @Test
    void aNegativeStartupWaitIsRefusedAndZeroMeansNoWaiting() {
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().with("startup-wait-ms", "-1").build()))
                .singleElement().asString().isEqualTo("SINK_STARTUP_WAIT_MS=-1 is not valid: use 0 (no waiting) or "
                        + "more milliseconds, or unset it for the default");
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().with("startup-wait-ms", "0").build())).isEmpty();
    }

    @Test
    void modeIsParsedInAnyCaseAndTheFailureStrategyOnlyAsTheConnectorSpellsIt() {
        SinkConfig config = TestSinkConfig.defaults().withMode(" UPSERT ").withFailureStrategy("ignore").build();

        assertThat(SinkSettings.problems(config)).isEmpty();
        assertThat(config.parsedMode()).isEqualTo(SinkMode.UPSERT);
        assertThat(config.parsedFailureStrategy()).isEqualTo(FailureStrategy.IGNORE);
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().withFailureStrategy("Dead-Letter-Queue").build()))
                .singleElement().asString().isEqualTo("SINK_FAILURE_STRATEGY='Dead-Letter-Queue' is not valid: use"
                        + " one of dead-letter-queue, delayed-retry-topic, fail, ignore");
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().withMode("merge").build())).singleElement()
                .asString().isEqualTo("SINK_MODE='merge' is not valid: use 'append' (one row per record) or 'upsert'"
                        + " (latest state per key)");
    }
}
