package io.steadysink.sink;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How records become rows. */
public enum SinkMode {
    /** Event log: one row per Kafka record, keyed by its coordinates. */
    APPEND,
    /** Latest state per record key, guarded by the Kafka coordinates of the last applied write. */
    UPSERT;

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
