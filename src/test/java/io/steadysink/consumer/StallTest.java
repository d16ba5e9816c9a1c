package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * The reason steady-sink exists: its database blocked for three times {@code max.poll.interval.ms}
 * while records keep arriving (every write attempt timing out and being retried), and the consumer
 * neither leaves nor rebalances its group.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(StallTest.ShortTimeouts.class)
class StallTest extends SinkUnderTest {

    static final String TOPIC = "stall-events";
    static final String TABLE = "stall_events";
    static final String GROUP = "steady-sink-stall";
    static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(10);

    public static class ShortTimeouts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(Map.entry("sink.topics", TOPIC), Map.entry("sink.table", TABLE),
                    Map.entry("sink.group-id", GROUP),
                    // each attempt times out during the stall and is retried in place
                    Map.entry("sink.statement-timeout-ms", "2000"),
                    Map.entry("sink.retry-backoff-max-ms", "2000"),
                    Map.entry("sink.drain-timeout-ms", "5000"),
                    Map.entry("kafka.max.poll.interval.ms", Long.toString(MAX_POLL_INTERVAL.toMillis())),
                    Map.entry("kafka.session.timeout.ms", "6000"),
                    Map.entry("kafka.heartbeat.interval.ms", "2000"),
                    Map.entry("kafka.max.poll.records", "100"));
        }
    }

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
    }

    @Test
    void databaseBlockedForThreeMaxPollIntervalsCostsNoRebalanceAndLosesNothing() throws Exception {
        produce(0, 300);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 300);
        Set<String> membersBefore = members();
        String rebalancesBefore = rebalances();
        assertThat(membersBefore).hasSize(1);
        int total = 300;

        try (Connection locker = LocalPostgres.dataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                // blocks every write, still lets this test count rows
                lock.execute("LOCK TABLE " + TABLE + " IN EXCLUSIVE MODE");
            }
            long stallEnd = System.nanoTime() + MAX_POLL_INTERVAL.multipliedBy(3).toNanos();
            while (System.nanoTime() < stallEnd) {
                produce(total, 100);
                total += 100;
                Thread.sleep(1_000);
            }
            assertThat(rows()).as("nothing could be written during the stall").isEqualTo(300);
            assertThat(members()).as("same member, never evicted, while the table was locked")
                    .isEqualTo(membersBefore);
            locker.rollback();
        }

        int produced = total;
        await().atMost(Duration.ofSeconds(90)).until(() -> rows() == produced);
        await().atMost(Duration.ofSeconds(60)).until(
                () -> GroupProgress.committedLag(kafka, GROUP, TOPIC, SinkInfrastructure.PARTITIONS) == 0);
        assertThat(LocalPostgres.queryLong("SELECT count(DISTINCT payload->>'id') FROM " + TABLE)).isEqualTo(produced);
        assertThat(members()).as("still the same member after the stall").isEqualTo(membersBefore);
        assertThat(rebalances()).as("no rebalance of any kind during or after the stall").isEqualTo(rebalancesBefore);
        // "lost" moves when the member drops out of its group (LostPartitionsTest makes it move)
        assertThat(rebalancesBefore).contains("revoked=0.0", "lost=0.0");
        assertThat(Scrape.value(scrape(), "steady_sink_db_retries_total"))
                .as("writes timed out against the lock and were retried").isPositive();
    }

    private void produce(int firstId, int count) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int id = firstId; id < firstId + count; id++) {
            records.add(new ProducerRecord<>(TOPIC, "k" + id, "{\"id\":" + id + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }

    /** Consumer ids of the group's members, as the broker's group coordinator sees them. */
    private static Set<String> members() {
        return kafka.consumerGroups().describe(GROUP).members().stream().map(MemberDescription::consumerId)
                .collect(Collectors.toSet());
    }

    /** steady-sink's rebalance counters and the Kafka client's own, as scraped. */
    private String rebalances() throws Exception {
        String body = scrape();
        List<String> found = new ArrayList<>();
        Matcher ours = Pattern.compile("steady_sink_rebalances_total\\{kind=\"(\\w+)\"} (\\S+)").matcher(body);
        while (ours.find()) {
            found.add(ours.group(1) + "=" + ours.group(2));
        }
        Matcher client = Pattern.compile("kafka_consumer_coordinator_rebalance_total\\{[^}]*} (\\S+)").matcher(body);
        while (client.find()) {
            found.add("client=" + client.group(1));
        }
        found.sort(String::compareTo);
        return String.join(",", found);
    }
}
