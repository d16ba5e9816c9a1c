package io.steadysink.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.AvroOrders;
import io.steadysink.testing.ConfluentFrames;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.LocalRegistry;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * The application reading records through a real schema registry (Apicurio Registry's
 * Confluent-compatible API), framed byte for byte as Confluent's serializers frame them, into typed
 * tables: every Avro logical type into its column type, a new schema version picked up without a
 * restart, and records the registry cannot explain dead-lettered with their original bytes.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(RegistryRoutesTest.Routes.class)
class RegistryRoutesTest extends SinkUnderTest {

    static final String GROUP = "steady-sink-registry";
    static final String AVRO_TOPIC = "registry-avro-orders";
    static final String JSON_TOPIC = "registry-json-orders";
    static final String PROTO_TOPIC = "registry-proto-orders";
    static final String DLQ = "registry-dlq";

    public static class Routes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            LocalKafka.createTopic(AVRO_TOPIC, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(JSON_TOPIC, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(PROTO_TOPIC, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(DLQ, 1);
            LocalPostgres.execute("""
                    DROP TABLE IF EXISTS registry_avro_orders;
                    DROP TYPE IF EXISTS registry_order_status;
                    CREATE TYPE registry_order_status AS ENUM ('NEW', 'PAID');
                    CREATE TABLE registry_avro_orders (id uuid PRIMARY KEY, amount numeric(12,2) NOT NULL,
                        fee numeric(10,4), placed_on date, cutoff_ms time(3), cutoff_us time, at_ms timestamptz(3),
                        at_us timestamptz, local_ms timestamp(3), local_us timestamp, ref uuid,
                        status registry_order_status, note text, tags text[], attrs jsonb, customer text, email text,
                        raw bytea, qty integer, big bigint, ratio double precision, score real, ok boolean,
                        coupon text, kafka_topic text, kafka_partition integer, kafka_offset bigint);
                    DROP TABLE IF EXISTS registry_json_orders;
                    CREATE TABLE registry_json_orders (id uuid NOT NULL, amount numeric(12,2), placed timestamptz,
                        day date, at timetz, tags text[], note text, kafka_topic text, kafka_partition integer,
                        kafka_offset bigint, UNIQUE (kafka_topic, kafka_partition, kafka_offset));
                    DROP TABLE IF EXISTS registry_proto_orders;
                    CREATE TABLE registry_proto_orders (id uuid NOT NULL, qty bigint, status text, placed timestamptz,
                        wait interval, note text, tags text[], attrs jsonb, customer text, raw bytea,
                        ratio double precision, ok boolean, card text, iban text, kafka_topic text,
                        kafka_partition integer, kafka_offset bigint, UNIQUE (kafka_topic, kafka_partition, kafka_offset));
                    """);
            Path file = RouteFixture.routeFile("""
                    routes:
                      avro-orders:
                        topics: [%s]
                        table: registry_avro_orders
                        mode: upsert
                        identity: [id]
                        tombstones: ignore
                        value-format: avro
                        columns:
                          id: /id
                          amount: /amount
                          fee: /fee
                          placed_on: /placed_on
                          cutoff_ms: /cutoff_ms
                          cutoff_us: /cutoff_us
                          at_ms: /at_ms
                          at_us: /at_us
                          local_ms: /local_ms
                          local_us: /local_us
                          ref: /ref
                          status: /status
                          note: /note
                          tags: /tags
                          attrs: /attrs
                          customer: /customer/name
                          email: /customer/email
                          raw: /raw
                          qty: /qty
                          big: /big
                          ratio: /ratio
                          score: /score
                          ok: /ok
                          coupon: /coupon
                      json-orders:
                        topics: [%s]
                        table: registry_json_orders
                        value-format: json-schema
                        columns:
                          id: /id
                          amount: /amount
                          placed: /placed
                          day: /day
                          at: /at
                          tags: /tags
                          note: /note
                      proto-orders:
                        topics: [%s]
                        table: registry_proto_orders
                        value-format: protobuf
                        columns:
                          id: /id
                          qty: /qty
                          status: /status
                          placed: /placed
                          wait: /wait
                          note: /note
                          tags: /tags
                          attrs: /attrs
                          customer: /customer/name
                          raw: /raw
                          ratio: /ratio
                          ok: /ok
                          card: /card
                          iban: /iban
                    """.formatted(AVRO_TOPIC, JSON_TOPIC, PROTO_TOPIC));
            return Map.of("sink.routes-file", file.toString(), "sink.topics", "", "sink.group-id", GROUP,
                    "sink.dlq-topic", DLQ, "sink.schema-registry-url", LocalRegistry.url());
        }
    }

    private static final String ORDER_ROWS = "SELECT id, amount, fee, placed_on, cutoff_ms, cutoff_us,"
            + " at_ms AT TIME ZONE 'UTC', at_us AT TIME ZONE 'UTC', local_ms, local_us, ref, status, note, tags,"
            + " attrs, customer, email, encode(raw, 'hex'), qty, big, ratio, score, ok, coupon"
            + " FROM registry_avro_orders WHERE id = ANY (?::uuid[]) ORDER BY id";

    /** Order {@code n} as {@link #ORDER_ROWS} reads it back, {@code coupon} as the schema version gave it. */
    private static String orderRow(int n, String coupon) {
        return String.join("|", AvroOrders.id(n).toString(), AvroOrders.amount(n).toPlainString(), "1.5000",
                java.time.LocalDate.of(2026, 11, 30).plusDays(n).toString(), "13:30:05.123", "13:30:05.123456",
                "2026-11-30 12:00:%02d.123".formatted(n), "2026-11-30 12:00:%02d.123456".formatted(n),
                "2026-11-30 12:00:%02d.123".formatted(n), "2026-11-30 12:00:%02d.123456".formatted(n),
                "01234567-89ab-cdef-0000-%012x".formatted(n), n % 2 == 0 ? "NEW" : "PAID",
                n % 3 == 0 ? "null" : "note " + n, "{t" + n + ",all}", "{\"n\": " + n + "}", "customer " + n,
                n % 2 == 0 ? "null" : "c" + n + "@example.org", "00ff%02x".formatted(n), String.valueOf(n),
                String.valueOf(Long.MAX_VALUE - n),
                java.math.BigDecimal.valueOf(n / 4.0).stripTrailingZeros().toPlainString(), "1.5",
                n % 2 == 0 ? "t" : "f", coupon);
    }

    @Test
    void avroRecordsWithEveryLogicalTypeLandInTheirTypedColumnsAndANewSchemaVersionIsReadWithoutARestart()
            throws Exception {
        Schema v1 = AvroOrders.parse(AvroOrders.SCHEMA);
        String subject = AVRO_TOPIC + "-value";
        int first = LocalRegistry.register(subject, LocalRegistry.AVRO, AvroOrders.SCHEMA);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            records.add(record(n, ConfluentFrames.avro(first, v1, AvroOrders.order(v1, n))));
        }
        send(records);
        awaitWritten();
        assertThat(rows(1, 2, 3)).containsExactly(orderRow(1, "null"), orderRow(2, "null"), orderRow(3, "null"));

        // a field added with a default: compatible, a new id the running consumer has never seen
        LocalRegistry.setCompatibility(subject, "BACKWARD");
        int second = LocalRegistry.register(subject, LocalRegistry.AVRO, AvroOrders.SCHEMA_WITH_COUPON);
        assertThat(second).isNotEqualTo(first);
        Schema v2 = AvroOrders.parse(AvroOrders.SCHEMA_WITH_COUPON);
        send(List.of(record(4, ConfluentFrames.avro(second, v2, AvroOrders.order(v2, 4))),
                record(5, ConfluentFrames.avro(first, v1, AvroOrders.order(v1, 5)))));
        awaitWritten();
        assertThat(rows(4, 5)).containsExactly(orderRow(4, "COUPON4"), orderRow(5, "null"));

        // an incompatible change (a field added without a default: old records cannot be read) never gets an id
        assertThatThrownBy(() -> LocalRegistry.register(subject, LocalRegistry.AVRO, AvroOrders.SCHEMA_WITH_COUPON
                .replace("{\"name\": \"ok\", \"type\": \"boolean\"}",
                        "{\"name\": \"ok\", \"type\": \"boolean\"}, {\"name\": \"channel\", \"type\": \"string\"}")))
                .isInstanceOf(LocalRegistry.RegistryException.class).hasMessageContaining("409");
    }

    @Test
    void recordsTheRegistryCannotExplainAreDeadLetteredWithTheirOriginalBytesAndTheRestIsWritten() throws Exception {
        Schema v1 = AvroOrders.parse(AvroOrders.SCHEMA);
        int id = LocalRegistry.register(AVRO_TOPIC + "-value", LocalRegistry.AVRO, AvroOrders.SCHEMA);
        byte[] good = ConfluentFrames.avro(id, v1, AvroOrders.order(v1, 20));
        byte[] plainJson = "{\"id\":\"00000000-0000-4000-8000-000000000021\"}".getBytes(StandardCharsets.UTF_8);
        byte[] unknownId = ConfluentFrames.avro(987_654, v1, AvroOrders.order(v1, 22));
        byte[] cutShort = Arrays.copyOf(ConfluentFrames.avro(id, v1, AvroOrders.order(v1, 23)), 30);
        byte[] after = ConfluentFrames.avro(id, v1, AvroOrders.order(v1, 24));
        send(List.of(record(20, good), record(21, plainJson), record(22, unknownId), record(23, cutShort),
                record(24, after)));
        awaitWritten();

        assertThat(rows(20, 21, 22, 23, 24)).containsExactly(orderRow(20, "null"), orderRow(24, "null"));
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(byte[].class, byte[].class).fromTopics(DLQ, 3)
                .awaitCompletion(Duration.ofSeconds(60)).getRecords();
        assertThat(dead).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(plainJson, unknownId, cutShort);
        assertThat(dead).allSatisfy(record -> assertThat(header(record, "dead-letter-route")).isEqualTo("avro-orders"));
        assertThat(dead).extracting(record -> header(record, "dead-letter-cause")).anySatisfy(cause -> assertThat(cause)
                .contains("magic byte 0")).anySatisfy(cause -> assertThat(cause).contains("has no schema id 987654"))
                .anySatisfy(cause -> assertThat(cause).contains("do not match schema id " + id));
    }

    static final String JSON_SCHEMA = """
            {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
             "required": ["id", "amount", "placed"],
             "properties": {
               "id": {"type": "string", "format": "uuid"},
               "amount": {"type": "number"},
               "placed": {"type": "string", "format": "date-time"},
               "day": {"type": "string", "format": "date"},
               "at": {"type": "string", "format": "time"},
               "tags": {"type": "array", "items": {"type": "string"}},
               "note": {"type": ["string", "null"]}}}""";

    @Test
    void jsonSchemaRecordsLandTypedAndOnesBreakingTheirSchemaAreDeadLettered() throws Exception {
        int id = LocalRegistry.register(JSON_TOPIC + "-value", LocalRegistry.JSON, JSON_SCHEMA);
        byte[] good = ConfluentFrames.frame(id, """
                {"id": "00000000-0000-4000-8000-000000000031", "amount": 12.50, "placed": "2026-11-30T12:00:00.5+01:00",
                 "day": "2026-11-30", "at": "23:59:59.25Z", "tags": ["a", "b"], "note": null}"""
                .getBytes(StandardCharsets.UTF_8));
        byte[] notADateTime = ConfluentFrames.frame(id, """
                {"id": "00000000-0000-4000-8000-000000000032", "amount": 1, "placed": "yesterday"}"""
                .getBytes(StandardCharsets.UTF_8));
        byte[] noAmount = ConfluentFrames.frame(id, """
                {"id": "00000000-0000-4000-8000-000000000033", "placed": "2026-11-30T12:00:00Z"}"""
                .getBytes(StandardCharsets.UTF_8));
        send(JSON_TOPIC, List.of(good, notADateTime, noAmount));
        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP, JSON_TOPIC,
                SinkInfrastructure.PARTITIONS) == 0);

        assertThat(RouteFixture.rows("SELECT id, amount, placed AT TIME ZONE 'UTC', day, at, tags, note"
                + " FROM registry_json_orders ORDER BY id"))
                .containsExactly("00000000-0000-4000-8000-000000000031|12.50|2026-11-30 11:00:00.5|2026-11-30|"
                        + "23:59:59.25+00|{a,b}|null");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(byte[].class, byte[].class).fromTopics(DLQ)
                .awaitRecords(2, Duration.ofSeconds(60)).getRecords().stream()
                .filter(record -> "json-orders".equals(header(record, "dead-letter-route"))).toList();
        assertThat(dead).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(notADateTime, noAmount);
        assertThat(dead).extracting(record -> header(record, "dead-letter-cause"))
                .anySatisfy(cause -> assertThat(cause).contains("/placed", "format"))
                .anySatisfy(cause -> assertThat(cause).contains("required"));
    }

    static final String PROTO_SCHEMA = """
            syntax = "proto3";
            package shop;

            import "google/protobuf/timestamp.proto";
            import "google/protobuf/duration.proto";
            import "google/protobuf/wrappers.proto";

            message Order {
              string id = 1;
              int64 qty = 2;
              Status status = 3;
              google.protobuf.Timestamp placed = 4;
              google.protobuf.Duration wait = 5;
              google.protobuf.StringValue note = 6;
              repeated string tags = 7;
              map<string, int64> attrs = 8;
              Customer customer = 9;
              bytes raw = 10;
              double ratio = 11;
              bool ok = 12;
              oneof payment {
                string card = 13;
                string iban = 14;
              }
              enum Status {
                NEW = 0;
                PAID = 1;
              }
              message Customer {
                string name = 1;
              }
            }
            """;

    @Test
    void protobufRecordsWithWellKnownTypesWrappersMapsAndAOneofLandTyped() throws Exception {
        int id = LocalRegistry.register(PROTO_TOPIC + "-value", LocalRegistry.PROTOBUF, PROTO_SCHEMA);
        java.time.Instant placed = java.time.Instant.parse("2026-11-30T12:00:00.5Z");
        byte[] order = message(out -> {
            out.writeString(1, "00000000-0000-4000-8000-000000000041");
            out.writeInt64(2, 7);
            out.writeEnum(3, 1);
            out.writeByteArray(4, message(t -> {
                t.writeInt64(1, placed.getEpochSecond());
                t.writeInt32(2, placed.getNano());
            }));
            out.writeByteArray(5, message(d -> {
                d.writeInt64(1, 90);
                d.writeInt32(2, 500_000_000);
            }));
            out.writeByteArray(6, message(w -> w.writeString(1, "hi")));
            out.writeString(7, "a");
            out.writeString(7, "b");
            out.writeByteArray(8, message(entry -> {
                entry.writeString(1, "n");
                entry.writeInt64(2, 1);
            }));
            out.writeByteArray(9, message(c -> c.writeString(1, "Ada")));
            out.writeByteArray(10, new byte[] { 0, (byte) 0xff });
            out.writeDouble(11, 0.25);
            out.writeBool(12, true);
            out.writeString(13, "4111");
        });
        byte[] indexes = { 0 }; // the first message of the file, as Confluent's serializer writes [0]
        byte[] framed = ConfluentFrames.frame(id, concat(indexes, order));
        byte[] garbage = ConfluentFrames.frame(id, concat(indexes, new byte[] { (byte) 0xff, 0x01 }));
        send(PROTO_TOPIC, List.of(framed, garbage));
        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP, PROTO_TOPIC,
                SinkInfrastructure.PARTITIONS) == 0);

        assertThat(RouteFixture.rows("SELECT id, qty, status, placed AT TIME ZONE 'UTC', wait, note, tags, attrs,"
                + " customer, encode(raw, 'hex'), ratio, ok, card, iban FROM registry_proto_orders"))
                .containsExactly("00000000-0000-4000-8000-000000000041|7|PAID|2026-11-30 12:00:00.5|00:01:30.5|hi|{a,b}|"
                        + "{\"n\": 1}|Ada|00ff|0.25|t|4111|null");
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.consume(byte[].class, byte[].class).fromTopics(DLQ)
                .awaitRecords(1, Duration.ofSeconds(60)).getRecords().stream()
                .filter(record -> "proto-orders".equals(header(record, "dead-letter-route"))).toList();
        assertThat(dead).extracting(ConsumerRecord::value).containsExactly(garbage);
    }

    private interface Fields {
        void write(com.google.protobuf.CodedOutputStream out) throws java.io.IOException;
    }

    /** A Protobuf message written field by field. */
    private static byte[] message(Fields fields) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
        fields.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static void send(String topic, List<byte[]> values) throws Exception {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (byte[] value : values) {
            records.add(new ProducerRecord<>(topic, null, value));
        }
        send(records);
    }

    private static ProducerRecord<String, byte[]> record(int n, byte[] value) {
        return new ProducerRecord<>(AVRO_TOPIC, AvroOrders.id(n).toString(), value);
    }

    private static void send(List<ProducerRecord<String, byte[]>> records) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitWritten() {
        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP, AVRO_TOPIC,
                SinkInfrastructure.PARTITIONS) == 0);
    }

    private static List<String> rows(int... orders) {
        String ids = Arrays.stream(orders).mapToObj(n -> AvroOrders.id(n).toString())
                .reduce((a, b) -> a + "," + b).orElse("");
        return RouteFixture.rows(ORDER_ROWS.replace("?::uuid[]", "'{" + ids + "}'::uuid[]"));
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
