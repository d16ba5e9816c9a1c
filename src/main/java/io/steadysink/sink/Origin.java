package io.steadysink.sink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Where a replayed dead letter first was: its topic, partition, offset and timestamp, carried in
 * {@code steady-sink-origin-*} headers by the {@code replay-dead-letters} command. The sink writes
 * such a record under its origin's coordinates and event time, so it lands as the record it
 * originally was: once in {@code append} (however many copies the dead-letter topic held), and in
 * {@code upsert} only if it is still the newest write for its key. The headers are honoured only
 * when they name the record's own topic and partition and an earlier offset, which is where the
 * replay puts it; otherwise the record is an ordinary one.
 */
public record Origin(String topic, int partition, long offset, Long timestamp) {

    public static final String TOPIC = "steady-sink-origin-topic";
    public static final String PARTITION = "steady-sink-origin-partition";
    public static final String OFFSET = "steady-sink-origin-offset";
    /** Set on every dead-lettered record too: the dead-letter topic's own timestamps are new ones. */
    public static final String TIMESTAMP = "steady-sink-origin-timestamp";

    private static final List<String> NAMES = List.of(TOPIC, PARTITION, OFFSET, TIMESTAMP);

    /** Whether {@code name} is one of the origin headers (kept out of the table's {@code headers}). */
    public static boolean isOriginHeader(String name) {
        return NAMES.contains(name);
    }

    /**
     * The origin named by {@code headers} of a record at {@code topic-partition@offset}, when the
     * headers are complete and name that topic and partition and an earlier offset.
     */
    public static Optional<Origin> of(Headers headers, String topic, int partition, long offset) {
        return named(headers).filter(origin -> origin.topic.equals(topic) && origin.partition == partition
                && origin.offset >= 0 && origin.offset < offset);
    }

    /** The origin {@code headers} name, wherever the record carrying them is. */
    public static Optional<Origin> named(Headers headers) {
        return parse(text(headers, TOPIC), text(headers, PARTITION), text(headers, OFFSET), timestamp(headers));
    }

    /** An origin from its parts as header texts; empty when one is missing or not a number. */
    public static Optional<Origin> parse(String topic, String partition, String offset, Long timestamp) {
        if (topic == null || partition == null || offset == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Origin(topic, Integer.parseInt(partition), Long.parseLong(offset), timestamp));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The origin timestamp header (epoch milliseconds), if any. */
    public static Long timestamp(Headers headers) {
        String value = text(headers, TIMESTAMP);
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The headers that carry this origin. */
    public List<Header> headers() {
        List<Header> headers = new ArrayList<>(4);
        headers.add(header(TOPIC, topic));
        headers.add(header(PARTITION, Integer.toString(partition)));
        headers.add(header(OFFSET, Long.toString(offset)));
        if (timestamp != null) {
            headers.add(header(TIMESTAMP, Long.toString(timestamp)));
        }
        return headers;
    }

    public static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
