package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.AppendTable;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.SteadySinkProcess;

/** SIGTERM mid-stream, as Kubernetes sends it on a rolling update or scale-in. */
class GracefulShutdownIT {

    private static final String TOPIC = "shutdown-events";
    private static final String GROUP = "shutdown-it";
    private static final int PARTITIONS = 3;
    private static final AppendTable TABLE = new AppendTable("shutdown_events");

    @Test
    void sigtermDrainsCommitsOnlyWrittenRecordsLeavesTheGroupAndExitsZero() throws Exception {
        FlowingTopic topic = new FlowingTopic(TOPIC, PARTITIONS, 40_000);
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            SteadySinkProcess first = SteadySinkProcess.start("shutdown-first", env(), false)
                    .awaitStarted(Duration.ofSeconds(60));
            topic.start(2_000);
            await().atMost(Duration.ofSeconds(60)).until(() -> TABLE.rows() >= topic.records() / 4);

            long stopStart = System.nanoTime();
            int exit = first.stop();
            long stopMillis = (System.nanoTime() - stopStart) / 1_000_000;

            assertThat(topic.isDone()).as("stopped while records were still arriving").isFalse();
            assertThat(exit).as("exit status after SIGTERM").isZero();
            assertThat(stopMillis).as("stopped within the drain budget plus start-up of the shutdown")
                    .isLessThan(20_000 + 10_000);
            assertThat(first.output()).contains("Shutting down: no new batches")
                    .as("no batch dead-lettered on the way out").doesNotContain("SRMSG18202");
            assertThat(kafka.consumerGroups().describe(GROUP).members()).as("left the group on the way out")
                    .isEmpty();
            Map<String, Integer> rows = TABLE.contents();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                OffsetAndMetadata committed = kafka.consumerGroups().offsets(GROUP,
                        new TopicPartition(TOPIC, partition));
                assertThat(committed).as("partition %d committed on the way out", partition).isNotNull();
                for (long offset = 0; offset < committed.offset(); offset++) {
                    assertThat(rows).as("committed offset %d of partition %d is in the table", offset, partition)
                            .containsKey(partition + "@" + offset);
                }
            }

            try (SteadySinkProcess second = SteadySinkProcess.start("shutdown-second", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                assertThat(topic.awaitDone(Duration.ofSeconds(120))).isTrue();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(TABLE.contents()).as("every record exactly once").isEqualTo(topic.produced());
                assertThat(second.stop()).isZero();
            }
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE.name());
        env.put("KAFKA_MAX_POLL_RECORDS", "200");
        return env;
    }
}
