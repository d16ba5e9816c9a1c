package io.steadysink.sink;

import org.apache.kafka.common.header.Header;

import io.steadysink.config.SinkMode;
import io.steadysink.sink.InvalidRecordException.Defect;

/**
 * Finds poison records before a batch reaches PostgreSQL, so one bad record never fails the
 * transaction of the others, and before upsert mode reduces a batch to its newest write per key,
 * so whether a record is poison never depends on what else its batch holds. A record is valid when
 * its key (if any) is UTF-8 without U+0000 (and, in upsert mode, present and at most
 * {@value #MAX_UPSERT_KEY_BYTES} bytes), its header names (append mode stores them) have no
 * U+0000, and its value is a tombstone or UTF-8 of at most the configured size that
 * {@link JsonbValue} accepts: a single JSON object within the JSON limits, storable as
 * {@code jsonb}. What remains
 * for PostgreSQL alone to judge (constraints or triggers added to the table) is isolated later by
 * bisecting a rejected batch.
 */
public final class RecordValidator implements RecordCheck {

    /**
     * Longest key accepted in upsert mode, in UTF-8 bytes. A btree index entry holds at most 2704
     * bytes with PostgreSQL's default 8 kB pages (a text key of 2692 bytes that does not compress);
     * this leaves room for the entry's own header whatever the key.
     */
    public static final int MAX_UPSERT_KEY_BYTES = 2_600;

    private final SinkMode mode;
    private final int maxValueBytes;

    public RecordValidator(SinkMode mode, int maxValueBytes) {
        this.mode = mode;
        this.maxValueBytes = maxValueBytes;
    }

    @Override
    public InvalidRecordException problem(SinkRecord record) {
        byte[] key = record.key();
        if (key == null) {
            if (mode == SinkMode.UPSERT) {
                return new InvalidRecordException(record, Defect.MISSING_KEY, "the key is null");
            }
        } else {
            String encoding = Utf8.problem(key);
            if (encoding != null) {
                return new InvalidRecordException(record, Defect.KEY_NOT_UTF8, encoding);
            }
            int nul = indexOfNul(key);
            if (nul >= 0) {
                return new InvalidRecordException(record, Defect.KEY_CONTAINS_NUL, "U+0000 at index " + nul);
            }
            if (mode == SinkMode.UPSERT && key.length > MAX_UPSERT_KEY_BYTES) {
                return new InvalidRecordException(record, Defect.KEY_TOO_LONG,
                        key.length + " bytes, the limit is " + MAX_UPSERT_KEY_BYTES);
            }
        }
        if (mode == SinkMode.APPEND) {
            for (Header header : record.headers()) {
                int nul = header.key().indexOf('\u0000');
                if (nul >= 0) {
                    return new InvalidRecordException(record, Defect.HEADER_NAME_CONTAINS_NUL,
                            "U+0000 at index " + nul + " of the header name \"" + quoted(header.key()) + "\"");
                }
            }
        }
        byte[] value = record.value();
        if (value == null) {
            return null; // a tombstone
        }
        InvalidRecordException tooLarge = sizeProblem(record);
        if (tooLarge != null) {
            return tooLarge;
        }
        String encoding = Utf8.problem(value);
        if (encoding != null) {
            return new InvalidRecordException(record, Defect.VALUE_NOT_UTF8, encoding);
        }
        return JsonbValue.problem(record, value);
    }

    /** {@code SINK_MAX_RECORD_BYTES}: the record's value is larger, or {@code null} when it is not. */
    InvalidRecordException sizeProblem(SinkRecord record) {
        byte[] value = record.value();
        if (value == null || value.length <= maxValueBytes) {
            return null;
        }
        return new InvalidRecordException(record, Defect.VALUE_TOO_LARGE,
                value.length + " bytes, the limit is " + maxValueBytes);
    }

    private static int indexOfNul(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** {@code text} with U+0000 shown as its JSON escape, cut at 100 characters. */
    private static String quoted(String text) {
        String shown = text.length() > 100 ? text.substring(0, 100) + "…" : text;
        return shown.replace("\0", "\\u0000");
    }

}
