package io.steadysink.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.steadysink.bench.Benchmark.Row;
import io.steadysink.bench.Benchmark.Run;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalRegistry;

/**
 * The benchmark's records ({@link BenchData}) in Avro: the same fields and values, the same keys
 * and partitions, the schema registered in a real registry ({@link LocalRegistry}) and every value
 * framed as Confluent's serializer frames it (magic byte 0, the 4-byte schema id, the Avro binary
 * body). The order id is a {@code uuid} string, the amount a {@code decimal(12,2)} on bytes, the
 * production time a {@code timestamp-millis}, the status an enum; the padding note is a string, so
 * the typed route's {@code rest} column gets the same {@code {"note": …}} as from JSON.
 */
final class AvroData {

    static final String TOPIC = "bench-events-avro";
    static final String SUBJECT = TOPIC + "-value";
    static final String SCHEMA = """
            {"type": "record", "name": "BenchEvent", "namespace": "io.steadysink.bench", "fields": [
              {"name": "id", "type": "long"},
              {"name": "order_id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "customer", "type": "string"},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["open", "paid"]}},
              {"name": "produced_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "note", "type": "string"}
            ]}""";

    private final Schema schema = new Schema.Parser().parse(SCHEMA);
    private final GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(schema, GenericData.get());
    private final GenericData.EnumSymbol open = new GenericData.EnumSymbol(schema.getField("status").schema(), "open");
    private final GenericData.EnumSymbol paid = new GenericData.EnumSymbol(schema.getField("status").schema(), "paid");
    private final String pad = "x".repeat(BenchData.padLength());
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private BinaryEncoder encoder;
    private final int schemaId;
    private final String registryUrl;
    private long valueBytes;
    private final Map<String, String> loadAtEnd = new HashMap<>();

    private AvroData() {
        schemaId = LocalRegistry.register(SUBJECT, LocalRegistry.AVRO, SCHEMA);
        registryUrl = LocalRegistry.url();
    }

    /**
     * Starts the registry (on first use), registers the schema and fills {@link #TOPIC} with
     * {@code count} records of {@link BenchData}, over {@link Benchmark#PARTITIONS} partitions.
     */
    static AvroData produce(String bootstrap, int count) {
        long start = System.nanoTime();
        AvroData data = new AvroData();
        Benchmark.say("schema registry at %s (%.1f s to start and register), schema id %d", data.registryUrl,
                Benchmark.seconds(start), data.schemaId);
        LocalKafka.createTopic(TOPIC, Benchmark.PARTITIONS);
        long produceStart = System.nanoTime();
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (long id = 0; id < count; id++) {
                // the JSON topic's key, so every record lands on the same partition as there
                producer.send(new ProducerRecord<>(TOPIC, BenchData.key(id), data.value(id,
                        System.currentTimeMillis())));
            }
        }
        Benchmark.say("produced %,d Avro records (%.1f bytes a value on average, framing included) in %.1f s", count,
                (double) data.valueBytes / count, Benchmark.seconds(produceStart));
        return data;
    }

    /** The registry's Confluent-compatible API, for {@code SINK_SCHEMA_REGISTRY_URL}. */
    String registryUrl() {
        return registryUrl;
    }

    /** Record {@code id} as the JSON topic carries it ({@link BenchData#value(long, long)}), in Avro and framed. */
    byte[] value(long id, long producedAtMillis) {
        GenericData.Record record = new GenericData.Record(schema);
        record.put("id", id);
        record.put("order_id", BenchData.orderId(id));
        record.put("customer", BenchData.key(id));
        BigDecimal amount = BigDecimal.valueOf((id % 1000) * 100 + id % 100, 2);
        record.put("amount", ByteBuffer.wrap(amount.unscaledValue().toByteArray()));
        record.put("status", id % 3 == 0 ? paid : open);
        record.put("produced_at", producedAtMillis);
        record.put("note", pad);
        buffer.reset();
        buffer.write(0);
        buffer.write((schemaId >>> 24) & 0xff);
        buffer.write((schemaId >>> 16) & 0xff);
        buffer.write((schemaId >>> 8) & 0xff);
        buffer.write(schemaId & 0xff);
        try {
            encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        valueBytes += buffer.size();
        return buffer.toByteArray();
    }

    /** The route file's lines after the columns: Avro from the registry instead of JSON with epoch milliseconds. */
    static String routeFormat() {
        return "    value-format: avro\n";
    }

    /** Notes the machine's load average as the Avro run of {@code mode} ended; returns {@code run}. */
    Run finished(String mode, Run run) {
        loadAtEnd.put(mode, Benchmark.loadAverage());
        return run;
    }

    /**
     * The Avro run of a typed route's {@code mode} as a row, with its ratio to the JSON typed run when
     * that ran and the load average as it ended.
     */
    Row row(String mode, Run avro, Run json, String cpu) {
        String measure = mode.equals("append")
                ? "steady-sink typed append route, Avro (4 workers)"
                : "steady-sink typed upsert route, by uuid, Avro (4 workers)";
        return new Row(measure, avro.rate(), "records/s",
                (json == null ? "" : Benchmark.ratio(avro.rate(), json.rate()) + " of JSON typed " + mode + ", ")
                        + String.format(Locale.ROOT, "Confluent-framed from the registry, load average %s at the end; ",
                                loadAtEnd.getOrDefault(mode, "?"))
                        + cpu);
    }
}
