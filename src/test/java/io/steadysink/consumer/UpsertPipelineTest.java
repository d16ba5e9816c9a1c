package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(UpsertPipelineTest.UpsertMode.class)
class UpsertPipelineTest extends SinkUnderTest {

    static final String GROUP = "steady-sink-upsert";
    private static final int KEYS = 60;
    private static final int VERSIONS = 5;

    public static class UpsertMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.mode", "upsert", "sink.table", "sink_state", "sink.topics",
                    SinkInfrastructure.STATE_TOPIC, "sink.group-id", GROUP);
        }
    }

    @Test
    void tableHoldsTheLastWritePerKeyAndTombstonesMarkRowsDeleted() throws Exception {
        List<ProducerRecord<String, String>> updates = new ArrayList<>();
        for (int version = 0; version < VERSIONS; version++) {
            for (int k = 0; k < KEYS; k++) {
                updates.add(new ProducerRecord<>(SinkInfrastructure.STATE_TOPIC, "key-" + k,
                        "{\"key\":" + k + ",\"version\":" + version + "}"));
            }
        }
        List<ProducerRecord<String, String>> tombstones = new ArrayList<>();
        for (int k = 0; k < KEYS; k += 4) {
            tombstones.add(new ProducerRecord<>(SinkInfrastructure.STATE_TOPIC, "key-" + k, null));
        }
        kafka.produceStrings().fromRecords(updates).awaitCompletion(Duration.ofSeconds(60));
        kafka.produceStrings().fromRecords(tombstones).awaitCompletion(Duration.ofSeconds(60));
        int produced = updates.size() + tombstones.size();

        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP,
                SinkInfrastructure.STATE_TOPIC, SinkInfrastructure.PARTITIONS) == 0);

        // The oracle is the log itself: the last record per key, in partition order.
        Map<String, String> expected = new HashMap<>();
        kafka.consumeStrings().fromTopics(SinkInfrastructure.STATE_TOPIC, produced)
                .awaitCompletion(Duration.ofSeconds(60))
                .getRecords()
                .stream()
                .sorted(Comparator.comparingLong(ConsumerRecord::offset))
                .forEach(record -> expected.put(record.key(), record.value() == null
                        ? "null|true|" + record.offset()
                        : version(record.value()) + "|false|" + record.offset()));

        Map<String, String> rows = new HashMap<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT key, payload->>'version', deleted, kafka_offset"
                        + " FROM sink_state")) {
            while (row.next()) {
                rows.put(row.getString(1), row.getString(2) + "|" + row.getBoolean(3) + "|" + row.getLong(4));
            }
        }
        assertThat(expected).hasSize(KEYS);
        assertThat(expected.values()).filteredOn(state -> state.contains("|true|")).hasSize(tombstones.size());
        assertThat(rows).isEqualTo(expected);
    }

    private static String version(String json) {
        return json.replaceAll(".*\"version\":(\\d+).*", "$1");
    }
}
