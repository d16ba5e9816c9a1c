package io.steadysink.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import io.steadysink.sink.InvalidRecordException.Defect;

/**
 * Finds poison records before a batch reaches PostgreSQL, so one bad record never fails the
 * transaction of the others. A record is valid when its key (if any) is UTF-8, upsert mode has a
 * key, and its value is a tombstone or a single JSON object of at most the configured size and
 * within the JSON limits. What PostgreSQL alone can judge (e.g. {@code \u0000} in a jsonb string,
 * a number beyond {@code numeric}) is isolated later by bisecting a rejected batch.
 */
public final class RecordValidator {

    /** Deepest nesting of objects and arrays accepted in a value (Jackson's default limit). */
    public static final int MAX_NESTING_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .build();

    private final SinkMode mode;
    private final int maxValueBytes;

    public RecordValidator(SinkMode mode, int maxValueBytes) {
        this.mode = mode;
        this.maxValueBytes = maxValueBytes;
    }

    /** A batch split into the records that may be written and the poison ones, each in batch order. */
    public record Checked(List<SinkRecord> valid, List<InvalidRecordException> invalid) {
    }

    public Checked check(List<SinkRecord> batch) {
        List<SinkRecord> valid = new ArrayList<>(batch.size());
        List<InvalidRecordException> invalid = new ArrayList<>(0);
        for (SinkRecord record : batch) {
            InvalidRecordException problem = problem(record);
            if (problem == null) {
                valid.add(record);
            } else {
                invalid.add(problem);
            }
        }
        return new Checked(valid, invalid);
    }

    /** The first rule {@code record} breaks, or {@code null} when it may be written. */
    InvalidRecordException problem(SinkRecord record) {
        if (record.key() == null) {
            if (mode == SinkMode.UPSERT) {
                return new InvalidRecordException(record, Defect.MISSING_KEY, "the key is null");
            }
        } else {
            String encoding = utf8Problem(record.key());
            if (encoding != null) {
                return new InvalidRecordException(record, Defect.KEY_NOT_UTF8, encoding);
            }
        }
        byte[] value = record.value();
        if (value == null) {
            return null; // a tombstone
        }
        if (value.length > maxValueBytes) {
            return new InvalidRecordException(record, Defect.VALUE_TOO_LARGE,
                    value.length + " bytes, the limit is " + maxValueBytes);
        }
        String encoding = utf8Problem(value);
        if (encoding != null) {
            return new InvalidRecordException(record, Defect.VALUE_NOT_UTF8, encoding);
        }
        return jsonProblem(record, value);
    }

    private static InvalidRecordException jsonProblem(SinkRecord record, byte[] value) {
        try (JsonParser parser = JSON.createParser(value)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return new InvalidRecordException(record, Defect.VALUE_NOT_JSON, "the value is empty");
            }
            if (first != JsonToken.START_OBJECT) {
                return new InvalidRecordException(record, Defect.VALUE_NOT_OBJECT,
                        "found " + describe(first) + " at the top level");
            }
            parser.skipChildren();
            JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                return new InvalidRecordException(record, Defect.VALUE_NOT_JSON,
                        "found " + describe(trailing) + " after the JSON object");
            }
            return null;
        } catch (StreamConstraintsException e) {
            return new InvalidRecordException(record, Defect.VALUE_TOO_COMPLEX, e);
        } catch (JsonProcessingException e) {
            return new InvalidRecordException(record, Defect.VALUE_NOT_JSON, e);
        } catch (IOException e) {
            // parsing a byte array does no I/O; keep the record out of the table all the same
            return new InvalidRecordException(record, Defect.VALUE_NOT_JSON, e);
        }
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Where {@code bytes} stop being UTF-8, or {@code null} when they are valid UTF-8. */
    static String utf8Problem(byte[] bytes) {
        if (isAscii(bytes)) {
            return null; // the common case, without decoding
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            decoder.decode(in);
            return null;
        } catch (CharacterCodingException e) {
            int at = Math.min(in.position(), bytes.length - 1);
            return String.format(Locale.ROOT, "invalid UTF-8 byte 0x%02X at index %d", bytes[at] & 0xFF, at);
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
