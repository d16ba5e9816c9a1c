package io.steadysink.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class SinkMetricsTest {

    private static final SinkMetrics.StartupSeries ORDERS = new SinkMetrics.StartupSeries(List.of("orders"),
            List.of("value-not-json", "key-missing", "too-large"), "dead-letter-queue", "upsert");

    @Test
    void countsTakenBeforeTheRegistriesAreAttachedAreNotLost() {
        // Quarkus attaches its Prometheus registry to the composite one during start-up; a fast group
        // join counts its rebalance before that
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(composite, ORDERS);

        metrics.rebalance(SinkMetrics.RebalanceKind.ASSIGNED);
        metrics.poisonRecord("orders", "value-not-json", "dead-letter-queue");
        SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
        composite.add(prometheus);
        metrics.rebalance(SinkMetrics.RebalanceKind.ASSIGNED);

        assertThat(prometheus.get(SinkMetrics.REBALANCES).tag("kind", "assigned").functionCounter().count())
                .isEqualTo(2);
        assertThat(prometheus.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("reason", "value-not-json")
                .functionCounter().count()).isEqualTo(1);
    }

    @Test
    void everyCounterSeriesOfTheStartupTopicsExistsAtZero() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new SinkMetrics(registry, ORDERS);

        assertThat(registry.get(SinkMetrics.RECORDS_WRITTEN).tag("topic", "orders").functionCounter().count())
                .isZero();
        assertThat(registry.get(SinkMetrics.RECORDS_DEAD_LETTERED).tag("topic", "orders")
                .tag("strategy", "dead-letter-queue").functionCounters()).hasSize(ORDERS.poisonReasons().size())
                .allMatch(counter -> counter.count() == 0);
        assertThat(registry.get(SinkMetrics.RECORDS_SKIPPED).tag("mode", "upsert").functionCounter().count()).isZero();
        assertThat(registry.get(SinkMetrics.REBALANCES).functionCounters()).hasSize(3);
    }

    @Test
    void aSourceTopicIsNotMissingFromStartUpUntilSaidOtherwise() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, ORDERS);
        assertThat(registry.get(SinkMetrics.SOURCE_TOPIC_MISSING).tag("topic", "orders").gauge().value()).isZero();

        metrics.sourceTopicMissing("orders", true);
        assertThat(registry.get(SinkMetrics.SOURCE_TOPIC_MISSING).tag("topic", "orders").gauge().value()).isEqualTo(1);
        metrics.sourceTopicMissing("orders", false);
        assertThat(registry.get(SinkMetrics.SOURCE_TOPIC_MISSING).tag("topic", "orders").gauge().value()).isZero();
    }

    @Test
    void writtenRecordsAreCountedPerTopicAndTheBatchTimed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, ORDERS);

        metrics.batchWritten(List.of("orders", "payments", "orders"), Duration.ofMillis(40));

        assertThat(registry.get(SinkMetrics.RECORDS_WRITTEN).tag("topic", "orders").functionCounter().count())
                .isEqualTo(2);
        assertThat(registry.get(SinkMetrics.RECORDS_WRITTEN).tag("topic", "payments").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get(SinkMetrics.BATCH_WRITE).timer().count()).isEqualTo(1);
    }

    private enum Light {
        RED, GREEN
    }

    @Test
    void theStateGaugeShowsOneForTheCurrentStateOfAnyEnum() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, ORDERS);
        Light[] current = {Light.RED};

        metrics.consumerState(Light.class, () -> current[0]);

        assertThat(registry.get(SinkMetrics.CONSUMER_STATE).tag("state", "RED").gauge().value()).isEqualTo(1);
        assertThat(registry.get(SinkMetrics.CONSUMER_STATE).tag("state", "GREEN").gauge().value()).isZero();
        current[0] = Light.GREEN;
        assertThat(registry.get(SinkMetrics.CONSUMER_STATE).tag("state", "RED").gauge().value()).isZero();
    }

    @Test
    void lagSeriesFollowTheRowsLastPublished() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, ORDERS);

        metrics.lag(List.of(new SinkMetrics.PartitionLagRow("orders", 0, 12, 3.5, 2),
                new SinkMetrics.PartitionLagRow("orders", 1, 0, 0, 0)));
        assertThat(registry.get(SinkMetrics.LAG_RECORDS).tags("topic", "orders", "partition", "0").gauge().value())
                .isEqualTo(12);
        assertThat(registry.get(SinkMetrics.LAG_SECONDS).tags("topic", "orders", "partition", "0").gauge().value())
                .isEqualTo(3.5);
        assertThat(registry.get(SinkMetrics.LAG_STATUS).tags("topic", "orders", "partition", "0").gauge().value())
                .isEqualTo(2);

        metrics.lag(List.of(new SinkMetrics.PartitionLagRow("orders", 1, 4, 1, 0)));
        assertThat(registry.find(SinkMetrics.LAG_RECORDS).tags("partition", "0").gauge()).as("partition 0 left")
                .isNull();
        assertThat(registry.get(SinkMetrics.LAG_RECORDS).tags("partition", "1").gauge().value()).isEqualTo(4);
    }

    @Test
    void aChangeEventsRoutesReplicationLagExistsFromStartUpAndShowsEachLagAndTheNewestBatchsLargest() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, new SinkMetrics.StartupSeries(List.of(), List.of(),
                "fail", "append", List.of(new SinkMetrics.RouteSeries("accounts", "replica.accounts",
                        List.of("app.public.accounts"), true),
                        new SinkMetrics.RouteSeries("orders", "orders", List.of("orders"), false))));
        assertThat(registry.get(SinkMetrics.REPLICATION_LAG).tag("route", "accounts")
                .tag("table", "replica.accounts").timer().count()).isZero();
        assertThat(registry.get(SinkMetrics.REPLICATION_LAG_LATEST).tag("route", "accounts").gauge().value())
                .isZero();
        assertThat(registry.find(SinkMetrics.REPLICATION_LAG).tag("route", "orders").timer())
                .as("a route of plain records has no replication lag").isNull();

        metrics.replicationLag("accounts", "accounts", List.of(Duration.ofMillis(1_500), Duration.ofSeconds(4)));
        metrics.replicationLag("accounts", "accounts", List.of(Duration.ofMillis(250)));

        var lags = registry.get(SinkMetrics.REPLICATION_LAG).tag("route", "accounts").tag("table", "replica.accounts")
                .timer();
        assertThat(lags.count()).isEqualTo(3);
        assertThat(lags.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(5_750);
        assertThat(registry.get(SinkMetrics.REPLICATION_LAG_LATEST).tag("route", "accounts")
                .tag("table", "replica.accounts").gauge().value()).isEqualTo(0.25);
    }

    @Test
    void aRouteWritingSeveralTablesHasItsSeriesPerTable() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SinkMetrics metrics = new SinkMetrics(registry, new SinkMetrics.StartupSeries(List.of(), List.of(),
                "fail", "append", List.of(
                        new SinkMetrics.RouteSeries("mirror", "shop.customers", List.of("srv.shop.customers"), true),
                        new SinkMetrics.RouteSeries("mirror", "shop.orders", List.of("srv.shop.orders"), true))));

        metrics.replicationLag("mirror", "shop.orders", List.of(Duration.ofSeconds(3)));
        metrics.batchWritten(List.of("srv.shop.customers", "srv.shop.customers", "srv.shop.orders"),
                Duration.ofMillis(5));

        assertThat(registry.get(SinkMetrics.REPLICATION_LAG).tags("route", "mirror", "table", "shop.orders").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get(SinkMetrics.REPLICATION_LAG).tags("route", "mirror", "table", "shop.customers")
                .timer().count()).isZero();
        assertThat(registry.get(SinkMetrics.ROUTE_RECORDS_WRITTEN).tags("route", "mirror", "table", "shop.customers")
                .functionCounter().count()).isEqualTo(2);
        assertThat(registry.get(SinkMetrics.ROUTE_RECORDS_WRITTEN).tags("route", "mirror", "table", "shop.orders")
                .functionCounter().count()).isEqualTo(1);
    }
}
