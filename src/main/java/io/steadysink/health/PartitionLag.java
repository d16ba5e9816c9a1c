package io.steadysink.health;

import java.util.Locale;

import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's lag at the last refresh: records between the committed offset and the
 * log end, the age of the oldest record not yet committed (zero when caught up), and its status.
 */
public record PartitionLag(TopicPartition partition, long records, double seconds, LagStatus status) {

    /** How the health checks show it, e.g. {@code 120 records, 3.4 s, OK}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d records, %.1f s, %s", records, seconds, status);
    }
}
