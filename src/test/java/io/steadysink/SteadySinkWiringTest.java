package io.steadysink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.steadysink.config.SinkConfig;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.InvalidRecordException.Defect;

class SteadySinkWiringTest {

    @Test
    void metricsStartWithEveryCounterSeriesOfTheConfiguredTopicsModeAndStrategyAtZero() {
        SinkConfig config = new SmallRyeConfigBuilder().withMapping(SinkConfig.class)
                .withDefaultValue("sink.topics", "orders")
                .withDefaultValue("sink.mode", "UPSERT")
                .build()
                .getConfigMapping(SinkConfig.class);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        new SteadySinkWiring().sinkMetrics(registry, config);

        assertThat(registry.get(SinkMetrics.RECORDS_WRITTEN).tag("topic", "orders").functionCounter().count())
                .isZero();
        assertThat(registry.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("topic", "orders")
                .tag("strategy", config.failureStrategy()).functionCounters()).hasSize(Defect.values().length);
        for (Defect defect : Defect.values()) {
            assertThat(registry.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("reason", defect.tag()).functionCounter()
                    .count()).isZero();
        }
        assertThat(registry.get(SinkMetrics.RECORDS_SKIPPED).tag("mode", "upsert").functionCounter().count()).isZero();
    }
}
