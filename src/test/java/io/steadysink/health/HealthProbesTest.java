package io.steadysink.health;

import static io.steadysink.testing.Probes.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * The three probes and the state and lag metrics, driven by the real thing: an idle topic, records
 * flowing, and the sink table locked for longer than the stall budget.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(HealthProbesTest.ShortBudgets.class)
class HealthProbesTest extends SinkUnderTest {

    static final String TOPIC = "probe-events";
    static final String GROUP = "steady-sink-probes";
    static final String TABLE = "probe_events";

    public static class ShortBudgets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", TOPIC, "sink.table", TABLE, "sink.group-id", GROUP,
                    "sink.lag-interval-ms", "500", "sink.stall-budget-ms", "4000",
                    // a statement waits on the lock longer than the stall budget: no progress
                    "sink.statement-timeout-ms", "60000");
        }
    }

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
    }

    @Test
    void idleThenConsumingThenStalledPastTheBudgetThenRecovered() throws Exception {
        // idle: group joined, nothing to read
        await().atMost(Duration.ofSeconds(30)).until(() -> state().equals("IDLE"));
        assertThat(statuses()).isEqualTo("started=200 ready=200 live=200");
        assertThat(metric("steady_sink_consumer_state{state=\"IDLE\"}")).isEqualTo(1);
        assertThat(metric("steady_sink_consumer_state{state=\"CONSUMING\"}")).isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> metric("steady_sink_lag_records{partition=\"0\",topic=\"" + TOPIC + "\"}") == 0);
        System.out.println("[probes] idle topic: " + statuses());

        // records flow and are written: lag back to zero on every partition
        produce(0, 300);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 300);
        await().atMost(Duration.ofSeconds(20)).until(() -> totalLag() == 0 && state().equals("IDLE"));
        assertThat(get(ready).body()).containsPattern("\"lag " + TOPIC + "-0\"\\s*:\\s*\"0 records, 0.0 s, OK\"");

        // the table is locked longer than the stall budget: the writing batch makes no progress
        try (Connection locker = LocalPostgres.dataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE " + TABLE + " IN EXCLUSIVE MODE");
            }
            produce(300, 30);
            await().atMost(Duration.ofSeconds(20)).until(() -> state().equals("STALLED"));
            assertThat(statuses()).isEqualTo("started=200 ready=200 live=503");
            assertThat(get(live).body()).contains("a batch has made no progress for");
            assertThat(metric("steady_sink_consumer_state{state=\"STALLED\"}")).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> totalLag() > 0);
            assertThat(maxLagSeconds()).as("age of the oldest record not yet committed").isPositive();
            assertThat(metric("steady_sink_oldest_in_flight_seconds")).isGreaterThanOrEqualTo(4);
            System.out.println("[probes] table locked past the stall budget: " + statuses());
            locker.rollback();
        }

        // nothing sticks: the lock is gone, the batch finishes, liveness is back
        await().atMost(Duration.ofSeconds(30)).until(() -> rows() == 330);
        await().atMost(Duration.ofSeconds(20)).until(() -> state().equals("IDLE") && totalLag() == 0);
        assertThat(statuses()).isEqualTo("started=200 ready=200 live=200");
        assertThat(maxLagSeconds()).isZero();
        System.out.println("[probes] after the lock: " + statuses());
    }

    private void produce(int first, int count) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int id = first; id < first + count; id++) {
            records.add(new ProducerRecord<>(TOPIC, "k" + id, "{\"id\":" + id + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }

    private long totalLag() throws Exception {
        long total = 0;
        for (int partition = 0; partition < SinkInfrastructure.PARTITIONS; partition++) {
            long lag = metric("steady_sink_lag_records{partition=\"" + partition + "\",topic=\"" + TOPIC + "\"}");
            if (lag < 0) {
                return -1;
            }
            total += lag;
        }
        return total;
    }

    private double maxLagSeconds() throws Exception {
        String scrape = scrape();
        double max = 0;
        for (int partition = 0; partition < SinkInfrastructure.PARTITIONS; partition++) {
            max = Math.max(max, Scrape.decimal(scrape,
                    "steady_sink_lag_seconds{partition=\"" + partition + "\",topic=\"" + TOPIC + "\"}"));
        }
        return max;
    }

    private long metric(String series) throws Exception {
        return Scrape.value(scrape(), series);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }

}
