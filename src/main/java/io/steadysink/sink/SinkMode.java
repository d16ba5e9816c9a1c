package io.steadysink.sink;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** How records become rows. */
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

    /** The lower-case name used in configuration and migration file prefixes. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
