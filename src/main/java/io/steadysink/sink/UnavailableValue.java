package io.steadysink.sink;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The placeholder Debezium's PostgreSQL connector writes instead of a large (TOASTed) value that an
 * update left unchanged, when the table's replica identity is not {@code FULL}: the connector's
 * {@code unavailable.value.placeholder}, a text whose bytes are the text's UTF-8 bytes, or the bytes
 * given in hex after {@code hex:}. The connector writes it in the column's own type, so a field holds
 * it as JSON (before any Connect schema is applied) in one of these forms:
 * <ul>
 * <li>the text: text, varchar, json, jsonb, xml, numeric and the other types written as strings;</li>
 * <li>the bytes in base64: bytea;</li>
 * <li>a one-element array of the text, of the base64 bytes, or of the UUID named by the bytes
 * ({@link UUID#nameUUIDFromBytes}): text[] and other string arrays, bytea[], uuid[];</li>
 * <li>an array of the bytes as numbers, one element each: int[] and bigint[];</li>
 * <li>an object mapping the text to itself: hstore as a map.</li>
 * </ul>
 * A source value equal to one of these is taken for the placeholder, as the connector itself cannot
 * tell them apart either.
 */
final class UnavailableValue {

    private final String text;
    private final String base64;
    private final String uuid;
    private final byte[] bytes;

    /** @param placeholder the connector's {@code unavailable.value.placeholder} */
    UnavailableValue(String placeholder) {
        this.bytes = placeholder.startsWith("hex:")
                ? HexFormat.of().parseHex(placeholder.substring(4))
                : placeholder.getBytes(StandardCharsets.UTF_8);
        this.text = new String(bytes, StandardCharsets.UTF_8);
        this.base64 = Base64.getEncoder().encodeToString(bytes);
        this.uuid = UUID.nameUUIDFromBytes(bytes).toString();
    }

    /** Whether {@code field} (a row's field as the converter wrote it, no schema applied) is the placeholder. */
    boolean is(JsonNode field) {
        if (field == null) {
            return false;
        }
        if (field.isTextual()) {
            String value = field.textValue();
            return value.equals(text) || value.equals(base64);
        }
        if (field.isArray()) {
            if (field.size() == 1 && field.get(0).isTextual()) {
                String element = field.get(0).textValue();
                return element.equals(text) || element.equals(base64) || element.equals(uuid);
            }
            if (field.size() != bytes.length) {
                return false;
            }
            for (int i = 0; i < bytes.length; i++) {
                JsonNode element = field.get(i);
                if (!element.isIntegralNumber() || element.longValue() != bytes[i]) {
                    return false;
                }
            }
            return true;
        }
        if (field.isObject() && field.size() == 1) {
            Iterator<Map.Entry<String, JsonNode>> entries = field.fields();
            Map.Entry<String, JsonNode> entry = entries.next();
            return entry.getKey().equals(text) && entry.getValue().isTextual()
                    && entry.getValue().textValue().equals(text);
        }
        return false;
    }
}
