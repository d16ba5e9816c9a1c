package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/** The packaged application migrating its table as configured by environment variables. */
class SchemaMigrationIT {

    @Test
    void sinkModeInUpperCaseMigratesTheUpsertTableAndWritesTheLatestStatePerKey() {
        LocalKafka.createTopic("upper-mode-events", 1);
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int version = 1; version <= 2; version++) {
            for (int key = 0; key < 5; key++) {
                records.add(new ProducerRecord<>("upper-mode-events", "k" + key, "{\"version\":" + version + "}"));
            }
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
        }
        Map<String, String> env = SteadySinkProcess.appendSink("upper-mode-events", "upper-mode-group",
                "upper_mode_state");
        env.put("SINK_MODE", "UPSERT");

        try (SteadySinkProcess app = SteadySinkProcess.start("upper-case-mode", env, false)) {
            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).until(() -> LocalPostgres.queryLong(
                    "SELECT count(*) FROM upper_mode_state WHERE payload->>'version' = '2'") == 5);

            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM upper_mode_state")).isEqualTo(5);
            assertThat(app.output()).contains("Table upper_mode_state (upsert mode) is at schema version");
            assertThat(app.stop()).isZero();
        }
    }
}
