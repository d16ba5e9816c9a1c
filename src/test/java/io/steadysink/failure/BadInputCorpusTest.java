package io.steadysink.failure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.sink.JsonbValue;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * Bad input through a real broker into a real PostgreSQL: every valid record lands, every poison
 * record is in the dead-letter topic alone, with its original bytes and the six dead-letter
 * headers, the offsets are committed and the consumer stays up.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(BadInputCorpusTest.Corpus.class)
class BadInputCorpusTest extends SinkUnderTest {

    static final String GROUP = "steady-sink-corpus";
    static final String TABLE = "corpus_events";
    static final int MAX_RECORD_BYTES = 64 * 1024;
    private static final int PLAIN_RECORDS = 300;

    public static class Corpus implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sink.topics", SinkInfrastructure.CORPUS_TOPIC, "sink.table", TABLE, "sink.group-id", GROUP,
                    "sink.dlq-topic", SinkInfrastructure.CORPUS_DLQ, "sink.max-record-bytes",
                    Integer.toString(MAX_RECORD_BYTES));
        }
    }

    /** One corpus entry: what is produced and, for a poison record, the rule it breaks. */
    record Entry(String name, byte[] key, byte[] value, List<Header> headers, Defect defect) {

        static Entry poison(String name, String key, byte[] value, Defect defect) {
            return new Entry(name, key == null ? null : key.getBytes(UTF_8), value, List.of(), defect);
        }

        static Entry valid(String name, String key, byte[] value, Header... headers) {
            return new Entry(name, key == null ? null : key.getBytes(UTF_8), value, List.of(headers), null);
        }
    }

    static List<Entry> corpus() {
        int depth = JsonbValue.MAX_NESTING_DEPTH;
        List<Entry> corpus = new ArrayList<>();
        corpus.add(Entry.poison("malformed JSON", "k", utf8("{\"id\": 1, \"name\": "), Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("single-quoted JSON", "k", utf8("{'id': 1}"), Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("trailing garbage", "k", utf8("{\"id\": 1} trailing"), Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("two objects", "k", utf8("{\"id\": 1}{\"id\": 2}"), Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("empty value", "k", new byte[0], Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("raw control character in a string", "k", utf8("{\"a\": \"x\u0000y\"}"),
                Defect.VALUE_NOT_JSON));
        corpus.add(Entry.poison("JSON array", "k", utf8("[1, 2, 3]"), Defect.VALUE_NOT_OBJECT));
        corpus.add(Entry.poison("JSON string", "k", utf8("\"just text\""), Defect.VALUE_NOT_OBJECT));
        corpus.add(Entry.poison("JSON number", "k", utf8("12345"), Defect.VALUE_NOT_OBJECT));
        corpus.add(Entry.poison("JSON boolean", "k", utf8("true"), Defect.VALUE_NOT_OBJECT));
        corpus.add(Entry.poison("JSON null", "k", utf8("null"), Defect.VALUE_NOT_OBJECT));
        corpus.add(Entry.poison("invalid UTF-8 value", "k",
                new byte[]{'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'}, Defect.VALUE_NOT_UTF8));
        corpus.add(new Entry("invalid UTF-8 key", new byte[]{'k', (byte) 0xFE}, utf8("{}"), List.of(),
                Defect.KEY_NOT_UTF8));
        corpus.add(Entry.poison("oversized value", "k", utf8("{\"blob\": \"" + "x".repeat(MAX_RECORD_BYTES) + "\"}"),
                Defect.VALUE_TOO_LARGE));
        corpus.add(Entry.poison("deeply nested JSON", "k",
                utf8("{\"a\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}"), Defect.VALUE_TOO_COMPLEX));
        corpus.add(Entry.poison("\\u0000 escape (jsonb cannot hold it)", "k", utf8("{\"a\": \"nul \\u0000 here\"}"),
                Defect.VALUE_CONTAINS_NUL));
        corpus.add(Entry.poison("escape of half a surrogate pair", "k", utf8("{\"a\": \"\\ud800 alone\"}"),
                Defect.VALUE_UNPAIRED_SURROGATE));
        corpus.add(Entry.poison("number beyond numeric", "k", utf8("{\"n\": 1e1000000}"),
                Defect.VALUE_NUMBER_OUT_OF_RANGE));
        corpus.add(Entry.poison("NUL byte in the key (text cannot hold it)", "k\u0000ey", utf8("{}"),
                Defect.KEY_CONTAINS_NUL));
        corpus.add(new Entry("NUL in a header name", utf8("k"), utf8("{}"),
                List.of(new RecordHeader("bad\u0000name", utf8("v"))), Defect.HEADER_NAME_CONTAINS_NUL));

        corpus.add(Entry.valid("tombstone", "k", null));
        corpus.add(Entry.valid("empty object", "k", utf8("{}")));
        corpus.add(Entry.valid("no key", null, utf8("{\"id\": \"no key\"}")));
        corpus.add(Entry.valid("nesting at the limit", "k",
                utf8("{\"a\": " + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}")));
        corpus.add(Entry.valid("value just under the size limit", "k",
                utf8("{\"blob\": \"" + "y".repeat(MAX_RECORD_BYTES - 20) + "\"}")));
        corpus.add(Entry.valid("unicode", "ключ-🔑", utf8("{\"text\": \"héllo 🌍 שלום \\u00e9\", \"big\": 1e300}")));
        corpus.add(Entry.valid("duplicate JSON keys", "k", utf8("{\"a\": 1, \"a\": 2}")));
        corpus.add(Entry.valid("odd headers", "k", utf8("{\"headers\": \"odd\"}"),
                new RecordHeader("null-value", null),
                new RecordHeader("binary", new byte[]{(byte) 0xFF, 0, 1}),
                new RecordHeader("repeated", utf8("one")),
                new RecordHeader("repeated", utf8("two")),
                new RecordHeader("", utf8("empty name")),
                new RecordHeader("nul-in-value", new byte[]{'a', 0, 'b'}),
                new RecordHeader("looks-like-marker", utf8("base64:abc"))));
        return corpus;
    }

    @Test
    void everyValidRecordLandsAndEveryPoisonRecordIsDeadLetteredAloneWithItsHeaders() throws Exception {
        List<Entry> corpus = corpus();
        Map<String, Entry> byCoordinates = new HashMap<>();
        Set<String> valid = new HashSet<>();
        Set<String> poison = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // plain records around and between the corpus, so the bad ones share batches with good ones
            int plain = 0;
            for (int round = 0; round < 3; round++) {
                for (Entry entry : corpus) {
                    for (int i = 0; i < PLAIN_RECORDS / (3 * corpus.size()) + 1; i++, plain++) {
                        Entry ordinary = Entry.valid("plain", "p" + plain, utf8("{\"plain\": " + plain + "}"));
                        valid.add(send(producer, ordinary, plain % SinkInfrastructure.PARTITIONS, byCoordinates));
                    }
                    String at = send(producer, entry, round, byCoordinates);
                    (entry.defect() == null ? valid : poison).add(at);
                }
            }
        }
        assertThat(poison).hasSize(3 * 20);

        await().atMost(Duration.ofSeconds(90)).until(() -> rows().size() >= valid.size());
        List<ConsumerRecord<byte[], byte[]>> deadLettered = deadLetters(poison.size());
        await().atMost(Duration.ofSeconds(60)).until(() -> GroupProgress.committedLag(kafka, GROUP,
                SinkInfrastructure.CORPUS_TOPIC, SinkInfrastructure.PARTITIONS) == 0);

        assertThat(rows()).as("exactly the valid records are in the table").isEqualTo(valid);

        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> dead : deadLettered) {
            String at = header(dead, "dead-letter-topic") + "-" + header(dead, "dead-letter-partition") + "@"
                    + header(dead, "dead-letter-offset");
            assertThat(poison).as("only poison records are dead-lettered").contains(at);
            assertThat(seen.add(at)).as("%s dead-lettered once", at).isTrue();
            Entry entry = byCoordinates.get(at);
            assertThat(dead.key()).as("%s: original key bytes", entry.name()).isEqualTo(entry.key());
            assertThat(dead.value()).as("%s: original value bytes", entry.name()).isEqualTo(entry.value());
            assertThat(header(dead, "dead-letter-reason")).as(entry.name()).startsWith(entry.defect().rule());
            assertThat(header(dead, "dead-letter-cause")).as(entry.name()).isNotBlank();
            assertThat(header(dead, "dead-letter-exception-class-name")).as(entry.name())
                    .isEqualTo("io.steadysink.sink.InvalidRecordException");
        }
        assertThat(seen).isEqualTo(poison);

        String scrape = scrape();
        for (Defect defect : Defect.values()) {
            long expected = 3 * corpus.stream().filter(e -> e.defect() == defect).count();
            long counted = Math.max(0, Scrape.value(scrape, "steady_sink_records_dead_lettered_total{reason=\""
                    + defect.tag() + "\",strategy=\"dead-letter-queue\",topic=\"" + SinkInfrastructure.CORPUS_TOPIC
                    + "\"}"));
            assertThat(counted).as(defect.tag()).isEqualTo(expected);
        }

        assertThat(get(live).statusCode()).as("the consumer stays live").isEqualTo(200);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            String after = send(producer, Entry.valid("after", "after", utf8("{\"after\": true}")), 0, byCoordinates);
            await().atMost(Duration.ofSeconds(30)).until(() -> rows().contains(after));
        }
    }

    private static String send(KafkaProducer<byte[], byte[]> producer, Entry entry, int partition,
            Map<String, Entry> byCoordinates) throws Exception {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(SinkInfrastructure.CORPUS_TOPIC, partition,
                entry.key(), entry.value(), entry.headers());
        RecordMetadata sent = producer.send(record).get();
        String at = sent.topic() + "-" + sent.partition() + "@" + sent.offset();
        byCoordinates.put(at, entry);
        return at;
    }

    private static Set<String> rows() throws Exception {
        Set<String> rows = new HashSet<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT kafka_topic, kafka_partition, kafka_offset FROM " + TABLE)) {
            while (row.next()) {
                rows.add(row.getString(1) + "-" + row.getInt(2) + "@" + row.getLong(3));
            }
        }
        return rows;
    }

    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(int expected) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            TopicPartition dlq = new TopicPartition(SinkInfrastructure.CORPUS_DLQ, 0);
            consumer.assign(List.of(dlq));
            consumer.seekToBeginning(List.of(dlq));
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return records.size() >= expected;
            });
            // anything more would be a duplicate or a valid record: give it a moment to show up
            consumer.poll(Duration.ofSeconds(2)).forEach(records::add);
        }
        return records;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as("header %s", name).isNotNull();
        return new String(header.value(), UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(properties);
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(UTF_8);
    }
}
