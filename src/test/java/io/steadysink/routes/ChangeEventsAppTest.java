package io.steadysink.routes;

import static io.steadysink.routes.DebeziumEvents.decimal;
import static io.steadysink.routes.DebeziumEvents.field;
import static io.steadysink.routes.DebeziumEvents.logical;
import static io.steadysink.routes.DebeziumEvents.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * The application replicating a captured table from Debezium change events on its topic: a route
 * file with one {@code change-events} route and nothing else; a truncate goes to the dead-letter
 * topic naming its route.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(ChangeEventsAppTest.Replica.class)
class ChangeEventsAppTest extends SinkUnderTest {

    static final String GROUP = "steady-sink-change-events";
    static final String TOPIC = "app.public.accounts";
    static final String DLQ = "change-events-dlq";

    public static class Replica implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            LocalKafka.createTopic(TOPIC, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(DLQ, 1);
            LocalPostgres.execute("""
                    DROP TABLE IF EXISTS replica_accounts;
                    CREATE TABLE replica_accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric(14,2),
                        opened date, kafka_topic text, kafka_partition integer, kafka_offset bigint);
                    """);
            Path file = RouteFixture.routeFile("""
                    routes:
                      accounts:
                        topics: [%s]
                        table: replica_accounts
                        mode: change-events
                    """.formatted(TOPIC));
            return Map.of("sink.routes-file", file.toString(), "sink.topics", "", "sink.group-id", GROUP,
                    "sink.dlq-topic", DLQ);
        }
    }

    private static final DebeziumEvents ACCOUNTS = new DebeziumEvents("app", "public", "accounts",
            List.of(field("id", "int64")), List.of(field("id", "int64"), field("owner", "string"),
                    logical("balance", "bytes", "org.apache.kafka.connect.data.Decimal", "scale", "2"),
                    logical("opened", "int32", "io.debezium.time.Date")),
            true);

    @Test
    void changeEventsOnTheTopicReplicateTheTableAndATruncateIsDeadLettered() throws Exception {
        DebeziumEvents e = ACCOUNTS;
        kafka.produceStrings().fromRecords(List.of(
                account(1, e.read(row("id", 1, "owner", "Ada", "balance", decimal(10_000), "opened", 0))),
                account(2, e.create(row("id", 2, "owner", "Grace", "balance", decimal(-250), "opened", -1))),
                account(1, e.update(null, row("id", 1, "owner", "Ada", "balance", decimal(9_950), "opened", 0))),
                account(3, e.create(row("id", 3, "owner", "Edsger", "balance", null, "opened", null))),
                account(2, e.delete(row("id", 2, "owner", "", "balance", null, "opened", null))),
                account(2, null),
                new ProducerRecord<>(TOPIC, 0, null, e.truncate())))
                .awaitCompletion(Duration.ofSeconds(60));

        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC,
                SinkInfrastructure.PARTITIONS) == 0);

        assertThat(RouteFixture.rows("SELECT id, owner, balance, opened FROM replica_accounts ORDER BY id"))
                .containsExactly("1|Ada|99.50|1970-01-01", "3|Edsger|null|null");
        List<ConsumerRecord<String, String>> dead = kafka.consumeStrings().fromTopics(DLQ, 1)
                .awaitCompletion(Duration.ofSeconds(60)).getRecords();
        assertThat(dead).singleElement().satisfies(record -> {
            assertThat(header(record, "dead-letter-route")).isEqualTo("accounts");
            assertThat(header(record, "dead-letter-cause")).contains("route accounts", "truncate",
                    "replica_accounts");
        });

        // every change event carries source.ts_ms of 2026-01-01T00:00:00Z: its lag is the time since then
        long sourceMillis = 1_767_225_600_000L;
        double least = (System.currentTimeMillis() - sourceMillis) / 1000.0;
        String scrape = scrape();
        String series = "{route=\"accounts\",table=\"replica_accounts\"}";
        assertThat(sample(scrape, "steady_sink_replication_lag_seconds_count" + series))
                .as("the create, read, update, create and delete each give a sample").isGreaterThanOrEqualTo(5);
        assertThat(scrape).contains("steady_sink_replication_lag_seconds_bucket" + series.replace("}", ",le="));
        assertThat(sample(scrape, "steady_sink_replication_lag_latest_seconds" + series))
                .isBetween(least - 600, least + 1);
    }

    /** The value of the sample {@code series} (name and labels as scraped) in {@code scrape}. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no sample " + series + " in the scrape"));
    }

    private static ProducerRecord<String, String> account(long id, String value) {

        return new ProducerRecord<>(TOPIC, ACCOUNTS.key("id", id), value);
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
