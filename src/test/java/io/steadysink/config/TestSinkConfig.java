package io.steadysink.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Builds a {@link SinkConfig} the way the application gets it: SmallRye Config maps the settings a test
 * gives onto the interface, and every other setting takes its {@code @WithDefault} (nothing is read from
 * the environment). {@link #defaults()} sets only the two settings without a default.
 */
public final class TestSinkConfig {

    private final Map<String, String> properties;

    private TestSinkConfig(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
    }

    /** The mapping's defaults, consuming {@code orders} from the {@code earliest} offset. */
    public static TestSinkConfig defaults() {
        return new TestSinkConfig(Map.of()).withTopics(List.of("orders")).withAutoOffsetReset("earliest");
    }

    /**
     * These settings changed: {@code name} is the property under {@code sink.} (e.g.
     * {@code statement-timeout-ms}), {@code value} its text; {@code null} unsets it.
     */
    public TestSinkConfig with(String name, String value) {
        Map<String, String> changed = new HashMap<>(properties);
        if (value == null) {
            changed.remove("sink." + name);
        } else {
            changed.put("sink." + name, value);
        }
        return new TestSinkConfig(changed);
    }

    public TestSinkConfig withTopics(List<String> value) {
        return with("topics", value == null ? null : String.join(",", value));
    }

    public TestSinkConfig withAutoOffsetReset(String value) {
        return with("auto-offset-reset", value);
    }

    public TestSinkConfig withMode(String value) {
        return with("mode", value);
    }

    public TestSinkConfig withTable(String value) {
        return with("table", value);
    }

    public TestSinkConfig withWorkers(int value) {
        return with("workers", Integer.toString(value));
    }

    public TestSinkConfig withDeadLetterQueue(String topic) {
        return with("failure-strategy", FailureStrategy.DEAD_LETTER_QUEUE.configName()).with("dlq-topic", topic);
    }

    public TestSinkConfig withFailureStrategy(String value) {
        return with("failure-strategy", value);
    }

    public TestSinkConfig withTimeouts(long statement, long drain) {
        return with("statement-timeout-ms", Long.toString(statement)).with("drain-timeout-ms", Long.toString(drain));
    }

    public TestSinkConfig withSessionBounds(long min, long max) {
        return with("session-timeout-min-ms", Long.toString(min)).with("session-timeout-max-ms", Long.toString(max));
    }

    /** The settings mapped onto {@link SinkConfig}. */
    public SinkConfig build() {
        return new SmallRyeConfigBuilder()
                .withMapping(SinkConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test settings", 100))
                .build()
                .getConfigMapping(SinkConfig.class);
    }
}
