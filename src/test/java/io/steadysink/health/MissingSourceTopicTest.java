package io.steadysink.health;

import static io.steadysink.testing.Probes.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.LogCapture;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * {@code SINK_TOPICS} names a topic that does not exist (the broker does not create topics on
 * demand) next to one that does: the consumer waits for it, says so in its state, readiness, a
 * metric and a WARN line, consumes the other topic meanwhile, and starts on the missing one by
 * itself once it is created.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(MissingSourceTopicTest.OneTopicMissing.class)
class MissingSourceTopicTest extends SinkUnderTest {

    static final String PRESENT = "early-orders";
    static final String MISSING = "late-orders";
    static final String GROUP = "steady-sink-late-orders";
    static final String TABLE = "late_orders";
    static final String LOG = "io.steadysink.health";

    public static class OneTopicMissing implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PresentTopicAndLog.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", PRESENT + "," + MISSING, "sink.table", TABLE, "sink.group-id", GROUP,
                    "sink.lag-interval-ms", "500");
        }
    }

    /** Before the application starts: one topic exists, the other not; the health log is kept. */
    public static class PresentTopicAndLog implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            LocalKafka.createTopic(PRESENT, SinkInfrastructure.PARTITIONS);
            LogCapture.install(LOG);
            return Map.of();
        }

        @Override
        public void stop() {
            // the topics live as long as the shared broker
        }
    }

    @Test
    void aMissingSourceTopicIsReportedUntilItIsCreatedThenItsRecordsLand() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> get(started).statusCode() == 200);

        // waiting for the topic: not ready, live (a restart would not create it), the metric, one WARN
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(state()).as("consumer state").isEqualTo("WAITING_FOR_TOPIC"));
        assertThat(statuses()).isEqualTo("started=200 ready=503 live=200");
        assertThat(get(ready).body()).contains("topic " + MISSING + " of SINK_TOPICS does not exist");
        assertThat(metric("steady_sink_source_topic_missing{topic=\"" + MISSING + "\"}")).isEqualTo(1);
        assertThat(metric("steady_sink_source_topic_missing{topic=\"" + PRESENT + "\"}")).isZero();
        assertThat(LogCapture.lines(LOG)).anySatisfy(line -> assertThat(line)
                .startsWith("WARN Topic " + MISSING + " of SINK_TOPICS does not exist (since ")
                .endsWith("): create it or fix SINK_TOPICS; consumption starts by itself once it exists"));
        assertThat(LogCapture.lines(LOG)).noneMatch(line -> line.contains("Topic " + PRESENT + " "));
        System.out.println("[probes] a source topic missing: " + statuses());

        // the topic that exists is consumed meanwhile, and the state stays
        produce(PRESENT, 0, 50);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 50);
        assertThat(state()).isEqualTo("WAITING_FOR_TOPIC");

        // created: its records land without a restart, and every report of it ends
        LocalKafka.createTopic(MISSING, SinkInfrastructure.PARTITIONS);
        produce(MISSING, 50, 100);
        await().atMost(Duration.ofSeconds(60)).until(() -> rows() == 150);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> metric("steady_sink_source_topic_missing{topic=\"" + MISSING + "\"}") == 0);
        await().atMost(Duration.ofSeconds(20)).until(() -> !state().equals("WAITING_FOR_TOPIC"));
        await().atMost(Duration.ofSeconds(20)).until(() -> get(ready).statusCode() == 200);
        assertThat(LogCapture.lines(LOG)).anySatisfy(line -> assertThat(line)
                .startsWith("INFO Topic " + MISSING + " of SINK_TOPICS exists now (missing since "));
        System.out.println("[probes] the topic created: " + statuses() + ", state " + state());
    }

    private void produce(String topic, int first, int count) {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int id = first; id < first + count; id++) {
            records.add(new ProducerRecord<>(topic, "k" + id, "{\"id\":" + id + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }

    private long metric(String series) throws Exception {
        return Scrape.value(scrape(), series);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }
}
