package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class SinkSettingsTest {

    @Test
    void validSettingsHaveNoProblems() {
        assertThat(SinkSettings.problems(TestSinkConfig.defaults())).isEmpty();
        assertThat(SinkSettings.problems(TestSinkConfig.defaults().withAutoOffsetReset("LATEST").withMode("upsert")
                .withTable("state").withWorkers(1).withDeadLetterQueue("orders-dlq"))).isEmpty();
    }

    @Test
    void unsetAutoOffsetResetNamesTheVariableAndBothChoices() {
        List<String> problems = SinkSettings.problems(TestSinkConfig.defaults().withAutoOffsetReset(null));

        assertThat(problems).singleElement().asString()
                .startsWith("SINK_AUTO_OFFSET_RESET is not set")
                .contains("'earliest'", "'latest'")
                .doesNotContain("\n");
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        SinkConfig config = TestSinkConfig.defaults().withTopics(null).withAutoOffsetReset("sometimes")
                .withMode("merge").withTable("Bad-Name").withWorkers(0).withFailureStrategy("retry");

        assertThat(SinkSettings.problems(config)).hasSize(6)
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TOPICS"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_AUTO_OFFSET_RESET='sometimes'")
                        .contains("'earliest'", "'latest'", "'none'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_MODE='merge'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_TABLE='Bad-Name'"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_WORKERS=0"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_FAILURE_STRATEGY='retry'"));
    }
}
