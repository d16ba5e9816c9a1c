package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

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

    @Test
    void rejectionBreakerLimitsOutOfRangeAreRefused() {
        SinkConfig config = overriding(Map.of("rejectionsMin", -1, "rejectionsMaxRatio", 1.5, "rejectionsWindow", 0));

        assertThat(SinkSettings.problems(config)).hasSize(3)
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_MIN=-1"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_MAX_RATIO=1.5"))
                .anySatisfy(p -> assertThat(p).startsWith("SINK_REJECTIONS_WINDOW=0"));
        assertThat(SinkSettings.problems(overriding(Map.of("rejectionsMin", 0, "rejectionsMaxRatio", 1.0))))
                .as("0 and 1 turn the rules off").isEmpty();
    }

    /** The defaults with some settings replaced, by method name. */
    private static SinkConfig overriding(Map<String, Object> values) {
        SinkConfig defaults = TestSinkConfig.defaults();
        return (SinkConfig) Proxy.newProxyInstance(SinkConfig.class.getClassLoader(), new Class<?>[]{SinkConfig.class},
                (proxy, method, args) -> values.containsKey(method.getName())
                        ? values.get(method.getName())
                        : method.invoke(defaults, args));
    }
}
