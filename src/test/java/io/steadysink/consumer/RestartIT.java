package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application killed mid-stream and restarted, then made to re-consume its topic from
 * the beginning: the table holds every record exactly once throughout.
 */
class RestartIT {

    private static final String TOPIC = "restart-events";
    private static final String GROUP = "restart-it";
    private static final String TABLE = "restart_events";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 40_000;
    private static final int MAX_POLL_RECORDS = 50;
    private static final Pattern WRITTEN = Pattern
            .compile("steady_sink_records_written_records_total\\{topic=\"" + TOPIC + "\"} ([0-9.E]+)");
    private static final Pattern BATCHES = Pattern.compile("steady_sink_batch_write_seconds_count ([0-9.E]+)");

    @Test
    void killedMidStreamAndRestartedLosesNothingDuplicatesNothingAndAReplayChangesNothing() throws Exception {
        LocalKafka.createTopic(TOPIC, PARTITIONS);
        Map<String, Integer> produced = new ConcurrentHashMap<>();
        CountDownLatch producing = new CountDownLatch(1);

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            SteadySinkProcess first = SteadySinkProcess.start("restart-first", env(), false)
                    .awaitStarted(Duration.ofSeconds(60));
            Thread producer = new Thread(() -> produce(produced, producing), "restart-producer");
            producer.start();

            await().atMost(Duration.ofSeconds(60)).until(() -> rows() >= RECORDS / 5);
            first.kill();
            assertThat(producing.getCount()).as("killed while records were still arriving").isEqualTo(1);

            try (SteadySinkProcess second = SteadySinkProcess.start("restart-second", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                assertThat(producing.await(120, TimeUnit.SECONDS)).as("producer finished").isTrue();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(table()).as("every record exactly once, at its own coordinates").isEqualTo(produced);
                second.stop();
            }

            Map<String, Integer> before = table();
            long ingestedBefore = LocalPostgres.queryLong(
                    "SELECT (extract(epoch FROM max(ingested_at)) * 1000000)::bigint FROM " + TABLE);
            kafka.consumerGroups().alterOffsets(GROUP, IntStream.range(0, PARTITIONS).boxed().collect(
                    Collectors.toMap(p -> new TopicPartition(TOPIC, p), p -> new OffsetAndMetadata(0))));
            assertThat(GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS)).isEqualTo(RECORDS);

            try (SteadySinkProcess replay = SteadySinkProcess.start("restart-replay", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                String metrics = replay.httpGet("/q/metrics");
                assertThat(scrape(WRITTEN, metrics)).as("the whole topic was consumed again").isEqualTo(RECORDS);
                assertThat(scrape(BATCHES, metrics)).as("KAFKA_MAX_POLL_RECORDS bounds every batch")
                        .isGreaterThanOrEqualTo(RECORDS / MAX_POLL_RECORDS);
                assertThat(table()).isEqualTo(before);
                assertThat(LocalPostgres.queryLong(
                        "SELECT (extract(epoch FROM max(ingested_at)) * 1000000)::bigint FROM " + TABLE))
                        .as("no row was inserted by the replay").isEqualTo(ingestedBefore);
                replay.stop();
            }
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_TOPICS", TOPIC);
        env.put("SINK_GROUP_ID", GROUP);
        env.put("SINK_TABLE", TABLE);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_WORKERS", "4");
        // Small batches, passed through as a plain Kafka client property (max.poll.records).
        env.put("KAFKA_MAX_POLL_RECORDS", String.valueOf(MAX_POLL_RECORDS));
        return env;
    }

    /** Sends {@link #RECORDS} records at about 2,000/s, noting where each one landed. */
    private static void produce(Map<String, Integer> produced, CountDownLatch done) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int id = 0; id < RECORDS; id++) {
                int recordId = id;
                producer.send(new ProducerRecord<>(TOPIC, "k" + (id % 997), "{\"id\":" + id + ",\"pad\":\""
                        + "x".repeat(100) + "\"}"), (metadata, error) -> {
                            if (error == null) {
                                produced.put(metadata.partition() + "@" + metadata.offset(), recordId);
                            }
                        });
                if (id % 200 == 199) {
                    Thread.sleep(100);
                }
            }
            producer.flush();
            if (produced.size() == RECORDS) {
                done.countDown();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }

    /** partition@offset → id of every row. */
    private static Map<String, Integer> table() throws Exception {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT kafka_partition, kafka_offset, (payload->>'id')::int FROM " + TABLE)) {
            while (row.next()) {
                rows.put(row.getInt(1) + "@" + row.getLong(2), row.getInt(3));
            }
        }
        return rows;
    }

    private static long scrape(Pattern meter, String metrics) {
        Matcher matcher = meter.matcher(metrics);
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : -1;
    }
}
