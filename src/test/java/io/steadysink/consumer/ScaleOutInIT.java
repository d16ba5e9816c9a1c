package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.AppendTable;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;

/** Two replicas in one group while records flow: one joins, one leaves, one comes back. */
class ScaleOutInIT {

    private static final String TOPIC = "scale-events";
    private static final String GROUP = "scale-it";
    private static final int PARTITIONS = 4;
    private static final AppendTable TABLE = new AppendTable("scale_events");

    @Test
    void replicasJoiningAndLeavingWhileRecordsFlowLeaveTheTableExactlyOnceComplete() throws Exception {
        FlowingTopic topic = new FlowingTopic(TOPIC, PARTITIONS, 60_000);
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            SteadySinkProcess a = SteadySinkProcess.start("scale-a", env(), false).awaitStarted(Duration.ofSeconds(60));
            topic.start(1_500);
            await().atMost(Duration.ofSeconds(60)).until(() -> TABLE.rows() >= 3_000);

            // a's probes, sampled while b joins and partitions move: a rebalance is no reason to restart
            // a pod or take it out of service
            Map<String, Integer> probesOfA = new ConcurrentHashMap<>();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    probesOfA.merge("ready=" + a.httpStatus("/q/health/ready") + " live=" + a.httpStatus(
                            "/q/health/live"), 1, Integer::sum);
                }
            }, "probe-sampler");
            sampler.start();
            SteadySinkProcess b = SteadySinkProcess.start("scale-b", env(), false).awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> kafka.consumerGroups().describe(GROUP).members().size() == 2
                            && assigned(a) > 0 && assigned(b) > 0);
            long rowsAtScaleOut = TABLE.rows();
            await().atMost(Duration.ofSeconds(60)).until(() -> TABLE.rows() >= rowsAtScaleOut + 6_000);
            sampling.set(false);
            sampler.join();
            System.out.println("[probes] a while b joined: " + probesOfA);
            assertThat(probesOfA.keySet()).as("a stays ready and live through the rebalance")
                    .containsExactly("ready=200 live=200");
            assertThat(a.output()).as("the rebalance was seen").contains("-> REBALANCING");
            assertThat(b.httpStatus("/q/health/ready")).isEqualTo(200);

            assertThat(a.stop()).as("scale-in: a leaves").isZero();
            long rowsAtScaleIn = TABLE.rows();
            await().atMost(Duration.ofSeconds(60)).until(() -> TABLE.rows() >= rowsAtScaleIn + 6_000);
            assertThat(topic.isDone()).as("all of this happened while records were flowing").isFalse();

            try (SteadySinkProcess again = SteadySinkProcess.start("scale-a-again", env(), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                assertThat(topic.awaitDone(Duration.ofSeconds(120))).isTrue();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(TABLE.contents()).as("every record exactly once").isEqualTo(topic.produced());
                assertThat(Scrape.value(b.httpGet("/q/metrics"), "steady_sink_rebalances_total{kind=\"revoked\"}"))
                        .as("b gave partitions back when a returned").isPositive();
                assertThat(again.stop()).isZero();
            } finally {
                b.stop();
            }
        }
    }

    private static long assigned(SteadySinkProcess app) {
        return Scrape.value(app.httpGet("/q/metrics"), "steady_sink_rebalances_total{kind=\"assigned\"}");
    }

    private static Map<String, String> env() {
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE.name());
        env.put("KAFKA_MAX_POLL_RECORDS", "200");
        return env;
    }
}
