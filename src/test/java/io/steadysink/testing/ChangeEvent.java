package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * One Kafka record written by {@link DebeziumConnect}: key and value as the text the converter
 * wrote ({@code null}: no bytes, a tombstone value) and parsed, and the headers as UTF-8 text. With
 * {@code schemas.enable} the documents are {@code {"schema": ..., "payload": ...}}. Note that the
 * converter writes a null value that has a schema as the JSON text {@code null} (without schemas)
 * or {@code {"schema": ..., "payload": null}}, which is not a Kafka tombstone.
 */
public record ChangeEvent(String topic, long offset, String keyText, String valueText, Map<String, String> headers) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first {@code count} records of {@code topic}, waiting up to a minute for them. */
    public static List<ChangeEvent> read(String topic, int count) {
        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            return kafka.consumeStrings().fromTopics(topic, count).awaitCompletion(Duration.ofSeconds(60))
                    .getRecords().stream().map(ChangeEvent::of).toList();
        }
    }

    static ChangeEvent of(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null
                    ? null
                    : new String(header.value(), StandardCharsets.UTF_8));
        }
        return new ChangeEvent(record.topic(), record.offset(), record.key(), record.value(), headers);
    }

    /** A Kafka tombstone: the record has no value bytes at all. */
    public boolean isTombstone() {
        return valueText == null;
    }

    /** The key document; {@code null} when the record has no key bytes. */
    public JsonNode key() {
        return parse(keyText);
    }

    /** The value document; {@code null} for a tombstone. */
    public JsonNode value() {
        return parse(valueText);
    }

    /** The value's payload: the envelope (or the unwrapped row) without the schema wrapper. */
    public JsonNode payload() {
        JsonNode value = value();
        return value.has("schema") && value.has("payload") ? value.get("payload") : value;
    }

    /** The key's payload: the primary key columns. */
    public JsonNode keyPayload() {
        JsonNode key = key();
        return key.has("schema") && key.has("payload") ? key.get("payload") : key;
    }

    /** The envelope's {@code op}: c, r, u, d or t; {@code null} for a tombstone or an unwrapped row. */
    public String op() {
        return isTombstone() ? null : payload().path("op").asText(null);
    }

    /** The envelope's {@code before} row; {@code null} where it is absent or JSON null. */
    public JsonNode before() {
        return row("before");
    }

    /** The envelope's {@code after} row; {@code null} where it is absent or JSON null. */
    public JsonNode after() {
        return row("after");
    }

    private JsonNode row(String name) {
        JsonNode row = payload().get(name);
        return row == null || row.isNull() ? null : row;
    }

    /** The Connect schema of column {@code column} in the envelope's {@code after} struct. */
    public JsonNode columnSchema(String column) {
        JsonNode value = value();
        for (JsonNode envelopeField : value.get("schema").get("fields")) {
            if (envelopeField.path("field").asText().equals("after")) {
                for (JsonNode field : envelopeField.get("fields")) {
                    if (field.path("field").asText().equals(column)) {
                        return field;
                    }
                }
            }
        }
        throw new AssertionError("No column " + column + " in the schema of " + value.get("schema"));
    }

    /**
     * The whole record as one JSON document: topic, headers, key and value (JSON {@code null} where
     * the record has no bytes), and whether it is a tombstone.
     */
    public ObjectNode toJson() {
        ObjectNode document = JSON.createObjectNode();
        document.put("topic", topic);
        document.set("headers", JSON.valueToTree(headers));
        document.set("key", key());
        document.set("value", value());
        document.put("tombstone", isTombstone());
        return document;
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("Not JSON: " + json, e);
        }
    }
}
