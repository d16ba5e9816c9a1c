package io.steadysink.config;

import java.util.Locale;

/**
 * Where a routed column's value comes from, as the route file writes it:
 * {@code /pointer} or {@code value:/pointer} (a JSON Pointer, RFC 6901, into the value),
 * {@code key:/pointer} (into the key read as JSON), {@code key} (the key as text),
 * {@code header:<name>} (the last header of that name, as UTF-8 text),
 * {@code kafka:topic|partition|offset|timestamp}, {@code value} (the whole value) or
 * {@code rest} (the value's top-level fields whose names start no value pointer of the route).
 */
public sealed interface ColumnSource {

    /** A JSON Pointer into the record's value. */
    record ValuePointer(String pointer) implements ColumnSource {
    }

    /** A JSON Pointer into the record's key, read as JSON. */
    record KeyPointer(String pointer) implements ColumnSource {
    }

    /** The key as UTF-8 text. */
    record KeyText() implements ColumnSource {
    }

    /** A header's value as UTF-8 text. */
    record Header(String name) implements ColumnSource {
    }

    /** One of the record's Kafka fields. */
    record Kafka(KafkaField field) implements ColumnSource {
    }

    /** The whole value. */
    record WholeValue() implements ColumnSource {
    }

    /** The value's top-level fields that no value pointer of the route starts with. */
    record Rest() implements ColumnSource {
    }

    enum KafkaField {
        TOPIC, PARTITION, OFFSET, TIMESTAMP
    }

    /** Whether a tombstone (no value) still has this source. */
    default boolean availableInTombstones() {
        return !(this instanceof ValuePointer || this instanceof WholeValue || this instanceof Rest);
    }

    /**
     * Parses a source as the route file writes it.
     *
     * @throws IllegalArgumentException naming what is wrong and the forms allowed
     */
    static ColumnSource parse(String text) {
        String source = text == null ? "" : text.trim();
        if (source.startsWith("/")) {
            return new ValuePointer(pointer(source));
        }
        if (source.startsWith("value:")) {
            return new ValuePointer(pointer(source.substring("value:".length())));
        }
        if (source.startsWith("key:")) {
            return new KeyPointer(pointer(source.substring("key:".length())));
        }
        if (source.startsWith("header:") && source.length() > "header:".length()) {
            return new Header(source.substring("header:".length()));
        }
        if (source.startsWith("kafka:")) {
            String field = source.substring("kafka:".length());
            for (KafkaField known : KafkaField.values()) {
                if (known.name().toLowerCase(Locale.ROOT).equals(field)) {
                    return new Kafka(known);
                }
            }
            throw new IllegalArgumentException(
                    "\"" + source
                            + "\" names no Kafka field; use kafka:topic, kafka:partition, kafka:offset or kafka:timestamp");
        }
        return switch (source) {
            case "key" -> new KeyText();
            case "value" -> new WholeValue();
            case "rest" -> new Rest();
            default -> throw new IllegalArgumentException("\"" + source + "\" is not a source; use a JSON Pointer"
                    + " (/field/sub), key, key:/pointer, header:<name>, kafka:topic|partition|offset|timestamp,"
                    + " value or rest");
        };
    }

    /** Checks RFC 6901 syntax: empty, or {@code /}-separated tokens where {@code ~} is {@code ~0} or {@code ~1}. */
    private static String pointer(String pointer) {
        if (!pointer.isEmpty() && !pointer.startsWith("/")) {
            throw new IllegalArgumentException("the JSON Pointer \"" + pointer + "\" must start with /");
        }
        for (int i = 0; i < pointer.length(); i++) {
            if (pointer.charAt(i) == '~'
                    && (i + 1 == pointer.length() || (pointer.charAt(i + 1) != '0' && pointer.charAt(i + 1) != '1'))) {
                throw new IllegalArgumentException("the JSON Pointer \"" + pointer
                        + "\" has a ~ not followed by 0 or 1 (write ~0 for ~ and ~1 for /)");
            }
        }
        return pointer;
    }
}
