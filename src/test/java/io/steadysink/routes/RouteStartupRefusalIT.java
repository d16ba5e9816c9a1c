package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application with a route file whose tables lack what exactly-once needs: it refuses
 * to start with exit code 2 and one line giving the statements to run, and with
 * {@code SINK_ROUTES_ALTER_TABLES=true} runs them itself and consumes.
 */
class RouteStartupRefusalIT {

    private static final String EVENTS = "route-refusal-events";
    private static final String STATES = "route-refusal-states";
    private static final String GROUP = "route-refusal-group";

    @Test
    void tablesLackingWhatExactlyOnceNeedsAreRefusedInOneLineAndAlterTablesAddsItAndConsumes() {
        LocalKafka.createTopic(EVENTS, 1);
        LocalKafka.createTopic(STATES, 1);
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS route_refusal_events, route_refusal_states;
                CREATE TABLE route_refusal_events (event_id text NOT NULL, body jsonb);
                CREATE TABLE route_refusal_states (id bigint PRIMARY KEY, name text);
                """);
        Path routes = RouteFixture.routeFile("""
                routes:
                  refusal-events:
                    topics: [%s]
                    table: route_refusal_events
                    identity: [event_id]
                    columns:
                      event_id: /id
                      body: value
                  refusal-states:
                    topics: [%s]
                    table: route_refusal_states
                    mode: upsert
                    identity: [id]
                    columns:
                      id: key:/id
                      name: /name
                """.formatted(EVENTS, STATES));
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_ROUTES_FILE", routes.toString());
        env.put("SINK_GROUP_ID", GROUP);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");

        try (SteadySinkProcess app = SteadySinkProcess.start("route-refusal", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(90))).as("exit code of refused settings").isEqualTo(2);
            assertThat(app.errors().lines()).as("standard error: one line").hasSize(1);
            assertThat(app.errors()).startsWith("steady-sink cannot start: 2 problems with the routes of"
                    + " SINK_ROUTES_FILE (each logged above), first: route refusal-events: no primary key or unique"
                    + " constraint of route_refusal_events is exactly [event_id] (the identity)").contains(
                            "; run ALTER TABLE \"route_refusal_events\" ADD CONSTRAINT"
                                    + " \"route_refusal_events_event_id_key\" UNIQUE (\"event_id\"); ALTER TABLE"
                                    + " \"route_refusal_states\" ADD COLUMN IF NOT EXISTS \"kafka_topic\" text, ADD"
                                    + " COLUMN IF NOT EXISTS \"kafka_partition\" integer, ADD COLUMN IF NOT EXISTS"
                                    + " \"kafka_offset\" bigint; (or set SINK_ROUTES_ALTER_TABLES=true to let"
                                    + " steady-sink run them)");
            assertThat(app.output()).as("each finding logged").contains("ERROR [io.steadysink.sink.RouteTables]"
                    + " (steady-sink-startup-attempt) route refusal-states: table route_refusal_states lacks the columns")
                    .doesNotContain(
                            "\tat ");
        }
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            assertThat(kafka.consumerGroups().list()).as("the consumer never joined")
                    .noneMatch(group -> group.groupId().equals(GROUP));

            kafka.produceStrings().fromRecords(List.of(new ProducerRecord<>(EVENTS, "a", "{\"id\":\"e1\"}"),
                    new ProducerRecord<>(EVENTS, "a", "{\"id\":\"e1\"}"),
                    new ProducerRecord<>(EVENTS, "b", "{\"id\":\"e2\"}"),
                    new ProducerRecord<>(STATES, "{\"id\":1}", "{\"name\":\"first\"}"),
                    new ProducerRecord<>(STATES, "{\"id\":1}", "{\"name\":\"second\"}")))
                    .awaitCompletion(Duration.ofSeconds(30));
        }

        env.put("SINK_ROUTES_ALTER_TABLES", "true");
        try (SteadySinkProcess app = SteadySinkProcess.start("route-alter-tables", env, false)
                .awaitStarted(Duration.ofSeconds(60))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> rows("SELECT id, name, kafka_offset FROM"
                    + " route_refusal_states").equals(List.of("1|second|1"))
                    && LocalPostgres.queryLong("SELECT count(*) FROM route_refusal_events") == 2);
            assertThat(rows("SELECT event_id FROM route_refusal_events ORDER BY event_id")).containsExactly("e1", "e2");
            assertThat(app.output()).contains("SINK_ROUTES_ALTER_TABLES: ran ALTER TABLE \"route_refusal_events\"")
                    .contains("SINK_ROUTES_ALTER_TABLES: ran ALTER TABLE \"route_refusal_states\"");
            assertThat(app.stop()).isZero();
            assertThat(app.errors()).isEmpty();
        }
    }
}
