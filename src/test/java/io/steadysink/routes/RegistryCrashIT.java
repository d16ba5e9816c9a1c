package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.ConfluentFrames;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.LocalRegistry;
import io.steadysink.testing.SteadySinkProcess;
import io.steadysink.testing.TcpGate;

/**
 * The packaged application reading Avro records through a real schema registry: the registry away
 * while records of a schema not yet read arrive (the batch waits, readiness DOWN, the consumer stays
 * in its group), killed with SIGKILL during the outage, restarted, then replayed from offset 0: the
 * table ends exactly as the records say each time. A schema that no longer maps onto the table stops
 * the consumer with one line naming the subject, version, field and column.
 */
class RegistryCrashIT {

    private static final int PARTITIONS = 3;

    private static final String V1 = """
            {"type": "record", "name": "Order", "namespace": "crash", "fields": [
              {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "id", "type": "long"}]}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["placed", "paid"]}},
              {"name": "version", "type": "int"},
              {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""";
    /** A field added with a default: compatible, and a schema id the consumer has not read before the outage. */
    private static final String V2 = V1.replace("""
            {"name": "version", "type": "int"},""", """
            {"name": "version", "type": "int"},
            {"name": "channel", "type": ["null", "string"], "default": null},""");

    private static final String ROWS = "SELECT order_id, customer_id, amount, status, version,"
            + " (extract(epoch FROM placed_at) * 1000)::bigint, channel, kafka_partition, kafka_offset"
            + " FROM registry_crash_orders ORDER BY order_id";

    @Test
    void killedWhileTheRegistryWasAwayRestartedAndReplayedTheTableEndsExactlyAsTheAvroRecordsSay() throws Exception {
        String topic = "registry-crash-orders";
        String group = "registry-crash-it";
        LocalKafka.createTopic(topic, PARTITIONS);
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS registry_crash_orders;
                CREATE TABLE registry_crash_orders (order_id uuid PRIMARY KEY, customer_id bigint NOT NULL,
                    amount numeric(12,2), status text, version integer NOT NULL, placed_at timestamptz, channel text,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                """);
        int v1 = LocalRegistry.register(topic + "-value", LocalRegistry.AVRO, V1);
        int v2 = LocalRegistry.register(topic + "-value", LocalRegistry.AVRO, V2);
        Orders orders = new Orders(topic);

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
                TcpGate registry = LocalRegistry.gate().open()) {
            Map<String, String> env = env(
                    routeFile("registry-crash", topic, "registry_crash_orders", "customer_id: /customer/id"),
                    group, registry.port());
            SteadySinkProcess first = SteadySinkProcess.start("registry-crash-first", env, false)
                    .awaitStarted(Duration.ofSeconds(60));
            orders.send(v1, 1, 1_500);
            await().atMost(Duration.ofSeconds(60)).until(() -> GroupProgress.committedLag(kafka, group, topic,
                    PARTITIONS) == 0);
            assertThat(rows(ROWS)).containsExactlyElementsOf(orders.rows());

            registry.close();
            orders.send(v2, 1_501, 3_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> first.httpGet("/q/health/ready")
                    .contains("DOWNSTREAM_DOWN"));
            assertThat(first.httpGet("/q/health/ready")).contains("schema registry");
            assertThat(first.httpStatus("/q/health/live")).as("a registry outage is no reason to restart")
                    .isEqualTo(200);
            Thread.sleep(10_000); // past the session timeout (8 s): no eviction, the batch waits
            assertThat(first.httpGet("/q/health/ready")).contains("DOWNSTREAM_DOWN");
            assertThat(kafka.consumerGroups().describe(group).members()).as("still in its group")
                    .hasSize(1);
            assertThat(GroupProgress.committedLag(kafka, group, topic, PARTITIONS)).isPositive();
            assertThat(first.output()).contains("The schema registry does not answer");
            first.kill();

            try (SteadySinkProcess second = SteadySinkProcess.start("registry-crash-second", env, false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                registry.open();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> GroupProgress.committedLag(kafka, group, topic, PARTITIONS) == 0);
                assertThat(rows(ROWS)).as("every order's newest record, once").containsExactlyElementsOf(orders.rows());
                assertThat(second.stop()).isZero();
            }

            kafka.consumerGroups().alterOffsets(group, IntStream.range(0, PARTITIONS).boxed().collect(
                    Collectors.toMap(p -> new TopicPartition(topic, p), p -> new OffsetAndMetadata(0))));
            try (SteadySinkProcess replay = SteadySinkProcess.start("registry-crash-replay", env, false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                        .until(() -> GroupProgress.committedLag(kafka, group, topic, PARTITIONS) == 0);
                assertThat(rows(ROWS)).as("after the replay").containsExactlyElementsOf(orders.rows());
                assertThat(replay.stop()).isZero();
            }
        }
    }

    @Test
    void aSchemaVersionWithoutTheFieldOfANotNullColumnStopsTheConsumerWithOneLineNamingSubjectVersionFieldAndColumn()
            throws Exception {
        String line = stopLine("registry-break", V1.replaceAll("(?s)\\{\"name\": \"customer\".*?\\]\\}\\},", ""));
        assertThat(line).contains("field /customer/id is not in it", "column customer_id (bigint)", "NOT NULL");
    }

    @Test
    void aSchemaVersionThatNarrowsAFieldToATypeItsColumnNeverTakesStopsTheConsumerNamingFieldAndColumn()
            throws Exception {
        String line = stopLine("registry-narrow", V1.replace("""
                {"name": "id", "type": "long"}""", """
                {"name": "id", "type": "string"}"""));
        assertThat(line).contains("field /customer/id is avro string (a JSON string once read), which column"
                + " customer_id (bigint) does not take");
    }

    /**
     * Route {@code name} reads 20 orders of {@link #V1}, then one of {@code changed} (a later version
     * of the subject, compatibility NONE): the consumer must stop (liveness DOWN) without writing or
     * committing it; returns the line it stopped with, checked for the route, subject, version and id.
     */
    private static String stopLine(String name, String changed) throws Exception {
        String topic = name + "-orders";
        String group = name + "-it";
        String table = name.replace('-', '_') + "_orders";
        String subject = topic + "-value";
        LocalKafka.createTopic(topic, 1);
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table
                + " (order_id uuid PRIMARY KEY,"
                + " customer_id bigint NOT NULL, amount numeric(12,2), status text, version integer NOT NULL,"
                + " placed_at timestamptz, channel text, kafka_topic text, kafka_partition integer, kafka_offset bigint)");
        int v1 = LocalRegistry.register(subject, LocalRegistry.AVRO, V1);
        LocalRegistry.setCompatibility(subject, "NONE");
        int v2 = LocalRegistry.register(subject, LocalRegistry.AVRO, changed);
        int version = LocalRegistry.latestVersion(subject);
        Orders orders = new Orders(topic);

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
                SteadySinkProcess app = SteadySinkProcess.start(name, env(routeFile(name, topic, table,
                        "customer_id: /customer/id"), group, 0), false).awaitStarted(Duration.ofSeconds(60))) {
            orders.send(v1, 1, 20);
            await().atMost(Duration.ofSeconds(60)).until(() -> GroupProgress.committedLag(kafka, group, topic, 1) == 0);
            List<String> before = orders.rows();
            orders.sendOne(v2, 21);

            await().atMost(Duration.ofSeconds(60)).until(() -> app.httpStatus("/q/health/live") == 503);
            String line = app.output().lines().filter(l -> l.contains("does not map onto table")).findFirst()
                    .orElseThrow(
                            () -> new AssertionError("no line names the schema that does not map:\n" + app.output()));
            assertThat(line).contains("route " + name + ": the value schema subject " + subject + " version " + version
                    + " (schema id " + v2 + ") does not map onto table " + table);
            assertThat(GroupProgress.committedLag(kafka, group, topic, 1)).as("the record is not committed past")
                    .isEqualTo(1);
            assertThat(rows(ROWS.replace("registry_crash_orders", table))).as("nothing more written")
                    .containsExactlyElementsOf(before);
            return line;
        }
    }

    private static Path routeFile(String route, String topic, String table, String customerColumn) {
        LocalPostgres.execute("DO $$ BEGIN IF to_regclass('steady_sink_route_tombstones') IS NOT NULL THEN"
                + " DELETE FROM steady_sink_route_tombstones WHERE route = '" + route + "'; END IF; END $$");
        return RouteFixture.routeFile("""
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: upsert
                    identity: [order_id]
                    tombstones: delete
                    value-format: avro
                    columns:
                      order_id: key
                      %s
                      amount: /amount
                      status: /status
                      version: /version
                      placed_at: /placed_at
                      channel: /channel
                """.formatted(route, topic, table, customerColumn));
    }

    /** {@code registryPort} 0: the registry itself, not a gate. */
    private static Map<String, String> env(Path routes, String group, int registryPort) {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_ROUTES_FILE", routes.toString());
        env.put("SINK_GROUP_ID", group);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_SCHEMA_REGISTRY_URL", registryPort == 0 ? LocalRegistry.url() : LocalRegistry.url(registryPort));
        env.put("SINK_SCHEMA_REGISTRY_TIMEOUT_MS", "2000");
        env.put("SINK_RETRY_BACKOFF_MAX_MS", "2000");
        env.put("KAFKA_MAX_POLL_RECORDS", "50");
        env.put("KAFKA_SESSION_TIMEOUT_MS", "8000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "2000");
        return env;
    }

    /** Avro orders sent and acknowledged one batch at a time; the oracle of the table. */
    private static final class Orders {

        private static final int ORDERS = 300;

        private record Sent(String key, Integer version, boolean channel, int partition, long offset) {
        }

        private final String topic;
        private final Random random = new Random(18);
        private final Map<String, Sent> newest = new TreeMap<>();

        Orders(String topic) {
            this.topic = topic;
        }

        private static String orderId(int n) {
            return "00000000-0000-0000-0000-%012d".formatted(n);
        }

        private static BigDecimal amount(int version) {
            return BigDecimal.valueOf(version * 7919L % 1_000_000, 2);
        }

        private static long placedAt(int version) {
            return Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() + version * 1_000L;
        }

        /** Versions {@code from}..{@code to} of random orders, one in ten a tombstone, with schema {@code id}. */
        void send(int id, int from, int to) throws Exception {
            Schema schema = new Schema.Parser().parse(LocalRegistry.schema(id).path("schema").asText());
            Map<Integer, ProducerRecord<String, byte[]>> records = new TreeMap<>();
            for (int version = from; version <= to; version++) {
                String key = orderId(random.nextInt(ORDERS));
                records.put(version, new ProducerRecord<>(topic, key, random.nextInt(10) == 0
                        ? null
                        : ConfluentFrames.avro(id, schema, order(schema, version))));
            }
            produce(records, schema.getField("channel") != null);
        }

        /** One order of schema {@code id}, built from the fields that schema has. */
        void sendOne(int id, int version) throws Exception {
            Schema schema = new Schema.Parser().parse(LocalRegistry.schema(id).path("schema").asText());
            produce(Map.of(version, new ProducerRecord<>(topic, orderId(version), ConfluentFrames.avro(id, schema,
                    order(schema, version)))), schema.getField("channel") != null);
        }

        private static GenericData.Record order(Schema schema, int version) {
            GenericData.Record record = new GenericData.Record(schema);
            if (schema.getField("customer") != null) {
                GenericData.Record customer = new GenericData.Record(schema.getField("customer").schema());
                Schema id = customer.getSchema().getField("id").schema();
                customer.put("id", id.getType() == Schema.Type.STRING
                        ? String.valueOf(version % 97)
                        : (Object) (long) (version % 97));
                record.put("customer", customer);
            }
            record.put("amount", ByteBuffer.wrap(amount(version).unscaledValue().toByteArray()));
            record.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(),
                    version % 2 == 0 ? "paid" : "placed"));
            record.put("version", version);
            record.put("placed_at", placedAt(version));
            if (schema.getField("channel") != null) {
                record.put("channel", "web");
            }
            return record;
        }

        /** Sends each record and waits for its acknowledgement, remembering each order's newest. */
        private void produce(Map<Integer, ProducerRecord<String, byte[]>> records, boolean channel) throws Exception {
            Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
                for (Map.Entry<Integer, ProducerRecord<String, byte[]>> entry : records.entrySet()) {
                    ProducerRecord<String, byte[]> record = entry.getValue();
                    RecordMetadata at = producer.send(record).get(30, TimeUnit.SECONDS);
                    newest.put(record.key(), record.value() == null
                            ? null
                            : new Sent(record.key(), entry.getKey(), channel, at.partition(), at.offset()));
                }
            }
        }

        /** Every order's newest record, absent when that is a tombstone, as {@link #ROWS} reads it. */
        List<String> rows() {
            List<String> rows = new ArrayList<>();
            newest.values().stream().filter(sent -> sent != null).forEach(sent -> rows.add(sent.key() + "|"
                    + (sent.version() % 97) + "|" + amount(sent.version()).toPlainString() + "|"
                    + (sent.version() % 2 == 0 ? "paid" : "placed") + "|" + sent.version() + "|"
                    + placedAt(sent.version()) + "|" + (sent.channel() ? "web" : "null") + "|" + sent.partition() + "|"
                    + sent.offset()));
            return rows;
        }
    }
}
