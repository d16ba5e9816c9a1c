package io.steadysink.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.TestSinkConfig;
import io.steadysink.sink.InvalidRecordException.Defect;

class SinkMetricsTest {

    @Test
    void countsTakenBeforeTheRegistriesAreAttachedAreNotLost() {
        // Quarkus attaches its Prometheus registry to the composite one during start-up; a fast group
        // join counts its rebalance before that
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(composite, config());

        metrics.rebalance(SinkMetrics.RebalanceKind.ASSIGNED);
        metrics.poisonRecord("orders", Defect.VALUE_NOT_JSON, "dead-letter-queue");
        SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
        composite.add(prometheus);
        metrics.rebalance(SinkMetrics.RebalanceKind.ASSIGNED);

        assertThat(prometheus.get(SinkMetrics.REBALANCES).tag("kind", "assigned").functionCounter().count())
                .isEqualTo(2);
        assertThat(prometheus.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("reason", "value-not-json")
                .functionCounter().count()).isEqualTo(1);
    }

    @Test
    void everyCounterSeriesOfTheConfiguredTopicsExistsAtZero() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SinkMetrics(registry, config());

        assertThat(registry.get(SinkMetrics.RECORDS_WRITTEN).tag("topic", "orders").functionCounter().count())
                .isZero();
        assertThat(registry.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("topic", "orders")
                .functionCounters()).hasSize(Defect.values().length);
        assertThat(registry.get(SinkMetrics.RECORDS_SKIPPED).tag("mode", "upsert").functionCounter().count()).isZero();
    }

    private static SinkConfig config() {
        return TestSinkConfig.defaults().withMode("UPSERT").build();
    }
}
