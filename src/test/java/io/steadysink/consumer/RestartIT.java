package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.AppendTable;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application killed mid-stream and restarted, then made to re-consume its topic from
 * the beginning: the table holds every record exactly once throughout.
 */
class RestartIT {

    private static final String TOPIC = "restart-events";
    private static final String GROUP = "restart-it";
    private static final int PARTITIONS = 3;
    private static final int MAX_POLL_RECORDS = 50;
    private static final AppendTable TABLE = new AppendTable("restart_events");

    @Test
    void killedMidStreamAndRestartedLosesNothingDuplicatesNothingAndAReplayChangesNothing() throws Exception {
        FlowingTopic topic = new FlowingTopic(TOPIC, PARTITIONS, 40_000);
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            SteadySinkProcess first = SteadySinkProcess.start("restart-first", env(), false)
                    .awaitStarted(Duration.ofSeconds(60));
            topic.start(2_000);

            await().atMost(Duration.ofSeconds(60)).until(() -> TABLE.rows() >= topic.records() / 5);
            first.kill();
            assertThat(topic.isDone()).as("killed while records were still arriving").isFalse();

            try (SteadySinkProcess second = SteadySinkProcess.start("restart-second", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                assertThat(topic.awaitDone(Duration.ofSeconds(120))).as("producer finished").isTrue();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(TABLE.contents()).as("every record exactly once, at its own coordinates")
                        .isEqualTo(topic.produced());
                second.stop();
            }

            Map<String, Integer> before = TABLE.contents();
            long ingestedBefore = TABLE.lastIngestedMicros();
            kafka.consumerGroups().alterOffsets(GROUP, IntStream.range(0, PARTITIONS).boxed().collect(
                    Collectors.toMap(p -> new TopicPartition(TOPIC, p), p -> new OffsetAndMetadata(0))));
            assertThat(GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS)).isEqualTo(topic.records());

            try (SteadySinkProcess replay = SteadySinkProcess.start("restart-replay", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                String metrics = replay.httpGet("/q/metrics");
                assertThat(Scrape.value(metrics, "steady_sink_records_written_total{topic=\"" + TOPIC + "\"}"))
                        .as("the whole topic was consumed again").isEqualTo(topic.records());
                assertThat(Scrape.value(metrics, "steady_sink_batch_write_seconds_count"))
                        .as("KAFKA_MAX_POLL_RECORDS bounds every batch")
                        .isGreaterThanOrEqualTo(topic.records() / MAX_POLL_RECORDS);
                assertThat(TABLE.contents()).isEqualTo(before);
                assertThat(TABLE.lastIngestedMicros()).as("no row was inserted by the replay")
                        .isEqualTo(ingestedBefore);
                replay.stop();
            }
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE.name());
        // Small batches, passed through as a plain Kafka client property (max.poll.records).
        env.put("KAFKA_MAX_POLL_RECORDS", String.valueOf(MAX_POLL_RECORDS));
        return env;
    }
}
