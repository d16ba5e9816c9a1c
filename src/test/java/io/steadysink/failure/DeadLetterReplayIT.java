package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.ReplayDeadLettersCommand;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * Records dead-lettered for a cause that is later fixed (here: a size limit raised) are sent back
 * to their source topic by the replay command and land; a second replay sends nothing again.
 */
class DeadLetterReplayIT {

    private static final String TOPIC = "replay-events";
    private static final String DLQ = "replay-dlq";
    private static final String GROUP = "replay-group";
    private static final String TABLE = "replay_events";
    private static final int SMALL = 40;
    private static final int LARGE = 10;

    @Test
    void deadLetteredRecordsReplayedAfterTheFixLandOnceAndASecondReplaySendsNothing() {
        LocalKafka.createTopic(TOPIC, 2);
        LocalKafka.createTopic(DLQ, 1);
        Map<String, String> env = SteadySinkProcess.appendSink(TOPIC, GROUP, TABLE);
        env.put("SINK_DLQ_TOPIC", DLQ);

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            Map<String, String> strict = new HashMap<>(env);
            strict.put("SINK_MAX_RECORD_BYTES", "200");
            try (SteadySinkProcess app = SteadySinkProcess.start("replay-strict", strict, false)) {
                app.awaitStarted(Duration.ofSeconds(60));
                List<ProducerRecord<String, String>> records = new ArrayList<>();
                for (int id = 0; id < SMALL + LARGE; id++) {
                    String pad = id % 5 == 4 ? "x".repeat(500) : "";
                    records.add(new ProducerRecord<>(TOPIC, id % 2, "k" + id, "{\"id\":" + id + ",\"pad\":\"" + pad
                            + "\"}"));
                }
                kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
                await().atMost(Duration.ofSeconds(60)).until(() -> rows() == SMALL);
                kafka.consumeStrings().fromTopics(DLQ, LARGE).awaitCompletion(Duration.ofSeconds(60));
                assertThat(app.stop()).isZero();
            }

            try (SteadySinkProcess app = SteadySinkProcess.start("replay-fixed", env, false)) {
                app.awaitStarted(Duration.ofSeconds(60));

                Map<String, String> command = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
                command.put("SINK_DLQ_TOPIC", DLQ);
                command.put("SINK_GROUP_ID", GROUP);
                try (SteadySinkProcess dryRun = SteadySinkProcess.start("replay-dry-run", command, false,
                        List.of(ReplayDeadLettersCommand.NAME, "--dry-run"))) {
                    assertThat(dryRun.awaitExit(Duration.ofSeconds(90))).isZero();
                    assertThat(dryRun.output()).contains("Would replay " + LARGE + " dead-lettered record(s) from "
                            + DLQ + " to their source topics {" + TOPIC + "=" + LARGE + "}");
                }
                try (SteadySinkProcess replay = SteadySinkProcess.start("replay-run", command, false,
                        List.of(ReplayDeadLettersCommand.NAME))) {
                    assertThat(replay.awaitExit(Duration.ofSeconds(90))).isZero();
                    assertThat(replay.output()).contains("Replayed " + LARGE + " dead-lettered record(s) from "
                            + DLQ + " to their source topics {" + TOPIC + "=" + LARGE + "}");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> rows() == SMALL + LARGE);
                assertThat(LocalPostgres.queryLong("SELECT count(DISTINCT (payload->>'id')::int) FROM " + TABLE))
                        .isEqualTo(SMALL + LARGE);
                assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE
                        + " WHERE headers->>'steady-sink-replayed-from' LIKE '" + DLQ + "-0@%'"
                        + " AND NOT headers ? 'dead-letter-reason' AND length(payload->>'pad') = 500"))
                        .as("replayed rows carry where they came from, not the dead-letter headers").isEqualTo(LARGE);

                try (SteadySinkProcess again = SteadySinkProcess.start("replay-again", command, false,
                        List.of(ReplayDeadLettersCommand.NAME))) {
                    assertThat(again.awaitExit(Duration.ofSeconds(90))).isZero();
                    assertThat(again.output()).contains("Replayed 0 dead-lettered record(s)");
                }
                assertThat(app.stop()).isZero();
            }
        }
        assertThat(rows()).isEqualTo(SMALL + LARGE);
    }

    private static long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
    }
}
