package io.steadysink.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code SINK_MODE}: how records become rows, and the columns and key that each mode's table must
 * have (the external contract the migrations create and start-up checks).
 */
public enum SinkMode {
    /** Event log: one row per Kafka record, keyed by its coordinates. */
    APPEND(List.of("kafka_topic", "kafka_partition", "kafka_offset"), "kafka_topic", "kafka_partition",
            "kafka_offset", "kafka_key", "payload", "headers", "event_time", "ingested_at"),
    /** Latest state per record key, guarded by the Kafka coordinates of the last applied write. */
    UPSERT(List.of("key"), "key", "payload", "deleted", "kafka_topic", "kafka_partition", "kafka_offset",
            "event_time", "updated_at");

    private final List<String> key;
    private final List<String> columns;

    SinkMode(List<String> key, String... columns) {
        this.key = key;
        this.columns = List.of(columns);
    }

    /** The columns the mode's table must have (the external contract). */
    public List<String> columns() {
        return columns;
    }

    /**
     * The columns of the primary key (or unique constraint) the writes conflict on: what makes a
     * replayed record a no-op ({@code append}) or one row per key ({@code upsert}).
     */
    public List<String> key() {
        return key;
    }

    /** The mode named by {@code value} ({@code append} or {@code upsert}, any case), if any. */
    public static Optional<SinkMode> parse(String value) {
        String name = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(mode -> mode.name().equals(name)).findFirst();
    }

    /**
     * The mode named by {@code value}, as {@link #parse} finds it.
     *
     * @throws IllegalArgumentException naming {@code SINK_MODE}, the value and the choices, on one line
     */
    public static SinkMode of(String value) {
        return parse(value).orElseThrow(() -> new IllegalArgumentException("SINK_MODE='" + value
                + "' is not valid: use 'append' (one row per record) or 'upsert' (latest state per key)"));
    }

    /** The lower-case name used in configuration and migration file prefixes. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
