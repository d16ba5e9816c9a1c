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
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.steadysink.config.Channels;
import io.steadysink.health.ConsumerMonitor;
import io.steadysink.health.ConsumerState;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * steady-sink's poll loop is held past {@code max.poll.interval.ms} while another member of its
 * group takes over: its partitions are lost (not revoked). Afterwards it reports lag, state and
 * metrics only for the partitions it owns again.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(LostPartitionsTest.ShortPollInterval.class)
class LostPartitionsTest extends SinkUnderTest {

    static final String TOPIC = "lost-events";
    static final String TABLE = "lost_events";
    static final String GROUP = "steady-sink-lost";
    static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(4);
    static final String SINK_CLIENT = "kafka-consumer-" + Channels.EVENTS;

    public static class ShortPollInterval implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(Map.entry("sink.topics", TOPIC), Map.entry("sink.table", TABLE),
                    Map.entry("sink.group-id", GROUP), Map.entry("sink.lag-interval-ms", "1000"),
                    Map.entry("sink.drain-timeout-ms", "1000"),
                    Map.entry("kafka.max.poll.interval.ms", Long.toString(MAX_POLL_INTERVAL.toMillis())),
                    Map.entry("kafka.session.timeout.ms", "6000"),
                    Map.entry("kafka.heartbeat.interval.ms", "2000"),
                    // written batches stay uncommitted until the member is back, as between two commits in production
                    Map.entry("mp.messaging.incoming.events.auto.commit.interval.ms", "30000"));
        }
    }

    @Inject
    KafkaClientService clients;
    @Inject
    ConsumerMonitor monitor;
    @Inject
    InFlightBatches inFlight;

    @BeforeAll
    static void connect() {
        LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
    }

    @Test
    void partitionsLostToAnotherMemberLeaveLagStateAndMetrics() throws Exception {
        produce(0, 30);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 30);
        await().atMost(Duration.ofSeconds(20)).until(() -> lagPartitions().size() == SinkInfrastructure.PARTITIONS);
        long lostBefore = Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"lost\"}");

        AtomicBoolean competing = new AtomicBoolean(true);
        Thread competitor = new Thread(() -> compete(competing), "competitor");
        try (Connection locker = LocalPostgres.dataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE " + TABLE + " IN EXCLUSIVE MODE");
            }
            produce(30, 30);
            await().atMost(Duration.ofSeconds(20)).until(() -> inFlight.count() > 0);
            // the poll loop held past max.poll.interval.ms: the member drops out of the group
            CompletableFuture<Void> held = holdPollLoop();
            await().atMost(Duration.ofSeconds(30)).until(() -> sinkAssignment().isEmpty());
            competitor.start();
            locker.rollback(); // the held batches are written now, before the poll loop comes back
            await().atMost(Duration.ofSeconds(30)).until(() -> rows() == 60);
            held.get();
        }
        try {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Set<Integer> owned = sinkAssignment();
                assertThat(owned).as("steady-sink owns some partitions again").isNotEmpty();
                assertThat(lagPartitions()).as("lag series follow the partitions steady-sink owns").isEqualTo(owned);
            });
            assertThat(Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"lost\"}"))
                    .as("lost partitions counted as lost").isGreaterThan(lostBefore);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(monitor.snapshot().lag()).allMatch(lag -> lag.records() == 0);
                assertThat(monitor.snapshot().state()).as("the partitions it owns are caught up")
                        .isEqualTo(ConsumerState.IDLE);
            });

            // again, with everything committed: the connector has nothing to commit, so the loss
            // reaches steady-sink's listener as a revocation
            long lostOnce = Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"lost\"}");
            long revoked = Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"revoked\"}");
            CompletableFuture<Void> heldAgain = holdPollLoop();
            await().atMost(Duration.ofSeconds(30)).until(() -> sinkAssignment().isEmpty());
            heldAgain.get();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                Set<Integer> owned = sinkAssignment();
                assertThat(owned).as("steady-sink owns some partitions again").isNotEmpty();
                assertThat(lagPartitions()).as("lag series follow the partitions steady-sink owns").isEqualTo(owned);
            });
            assertThat(Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"lost\"}")).isGreaterThan(lostOnce);
            assertThat(Scrape.value(scrape(), "steady_sink_rebalances_total{kind=\"revoked\"}")).isEqualTo(revoked);
        } finally {
            competing.set(false);
            competitor.join(10_000);
        }
    }

    /** Blocks the consumer's polling thread for three times {@code max.poll.interval.ms}. */
    private CompletableFuture<Void> holdPollLoop() {
        java.util.function.Consumer<Consumer<Object, Object>> hold = consumer -> sleep(
                MAX_POLL_INTERVAL.multipliedBy(3));
        return clients.getConsumer(Channels.EVENTS).runOnPollingThread(hold).subscribeAsCompletionStage();
    }

    /** A plain member of the same group that takes partitions and never commits. */
    private static void compete(AtomicBoolean competing) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.CLIENT_ID_CONFIG, "competitor",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName()),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            while (competing.get()) {
                consumer.poll(Duration.ofMillis(100));
            }
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Partitions the broker has assigned to steady-sink's consumer. */
    private static Set<Integer> sinkAssignment() {
        Set<Integer> partitions = new TreeSet<>();
        for (MemberDescription member : kafka.consumerGroups().describe(GROUP).members()) {
            if (member.clientId().equals(SINK_CLIENT)) {
                member.assignment().topicPartitions().stream().map(TopicPartition::partition).forEach(partitions::add);
            }
        }
        return partitions;
    }

    /** Partitions steady-sink publishes a lag series for. */
    private Set<Integer> lagPartitions() throws Exception {
        Set<Integer> partitions = new TreeSet<>();
        Matcher series = Pattern.compile("steady_sink_lag_records\\{partition=\"(\\d+)\",topic=\"" + TOPIC + "\"}")
                .matcher(scrape());
        while (series.find()) {
            partitions.add(Integer.parseInt(series.group(1)));
        }
        return partitions;
    }

    private void produce(int firstId, int count) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int id = firstId; id < firstId + count; id++) {
            records.add(
                    new ProducerRecord<>(TOPIC, id % SinkInfrastructure.PARTITIONS, "k" + id, "{\"id\":" + id + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }
}
