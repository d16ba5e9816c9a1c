package io.steadysink.sink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import io.steadysink.config.SinkMode;
import io.steadysink.sink.InvalidRecordException.Defect;

/**
 * Finds poison records before a batch reaches PostgreSQL, so one bad record never fails the
 * transaction of the others, and before upsert mode reduces a batch to its newest write per key,
 * so whether a record is poison never depends on what else its batch holds. A record is valid when
 * its key (if any) is UTF-8 without U+0000 (and, in upsert mode, present and at most
 * {@value #MAX_UPSERT_KEY_BYTES} bytes), its header names (append mode stores them) have no
 * U+0000, and its value is a tombstone or a single JSON object of at most the configured size,
 * within the JSON limits and storable as {@code jsonb}: no escape of U+0000, no escape of half a
 * surrogate pair, no number beyond the range of {@code numeric}. What remains
 * for PostgreSQL alone to judge (constraints or triggers added to the table) is isolated later by
 * bisecting a rejected batch.
 */
public final class RecordValidator {

    /** Deepest nesting of objects and arrays accepted in a value (Jackson's default limit). */
    public static final int MAX_NESTING_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;

    /** Longest number accepted in a value, in characters (Jackson's default limit). */
    public static final int MAX_NUMBER_LENGTH = StreamReadConstraints.DEFAULT_MAX_NUM_LEN;

    /**
     * PostgreSQL {@code numeric}'s range, as {@code jsonb} stores numbers: the first significant digit
     * at most at 10^131071 (weight 32767 in base 10000), at most 16383 digits after the decimal point
     * as written (trailing zeros and the exponent count), and an exponent within ±1073741822
     * whatever the digits (PostgreSQL 15 and older refuse ±1073741823 itself, even on zero).
     */
    static final int NUMERIC_MAX_POWER = 131_071;
    static final int NUMERIC_MAX_SCALE = 16_383;
    static final long NUMERIC_MAX_EXPONENT = Integer.MAX_VALUE / 2 - 1;

    /**
     * Longest key accepted in upsert mode, in UTF-8 bytes. A btree index entry holds at most 2704
     * bytes with PostgreSQL's default 8 kB pages (a text key of 2692 bytes that does not compress);
     * this leaves room for the entry's own header whatever the key.
     */
    public static final int MAX_UPSERT_KEY_BYTES = 2_600;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
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
        if (value.length > maxValueBytes) {
            return new InvalidRecordException(record, Defect.VALUE_TOO_LARGE,
                    value.length + " bytes, the limit is " + maxValueBytes);
        }
        String encoding = Utf8.problem(value);
        if (encoding != null) {
            return new InvalidRecordException(record, Defect.VALUE_NOT_UTF8, encoding);
        }
        InvalidRecordException json = jsonProblem(record, value);
        return json != null ? json : escapeProblem(record, value);
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
            for (int depth = 1; depth > 0;) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    return new InvalidRecordException(record, Defect.VALUE_NOT_JSON,
                            "the value ends inside the object");
                }
                switch (token) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case VALUE_NUMBER_FLOAT -> {
                        String range = numericRangeProblem(parser);
                        if (range != null) {
                            return new InvalidRecordException(record, Defect.VALUE_NUMBER_OUT_OF_RANGE, range);
                        }
                    }
                    default -> {
                        // names, strings, integers and literals: the escapes are checked on the bytes
                    }
                }
            }
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

    /**
     * Why the current number (a float token: it has a fraction or an exponent) is beyond the range of
     * {@code numeric}, or {@code null}. Without an exponent a number of at most
     * {@link #MAX_NUMBER_LENGTH} characters is well inside it. Reads the token's characters in place.
     */
    private static String numericRangeProblem(JsonParser parser) throws IOException {
        char[] text = parser.getTextCharacters();
        int start = parser.getTextOffset();
        int end = start + parser.getTextLength();
        int e = start;
        while (e < end && text[e] != 'e' && text[e] != 'E') {
            e++;
        }
        if (e == end) {
            return null;
        }
        int i = e + 1;
        boolean negative = text[i] == '-';
        if (text[i] == '+' || text[i] == '-') {
            i++;
        }
        long exponent = 0;
        for (; i < end; i++) {
            exponent = Math.min(exponent * 10 + (text[i] - '0'), 1L << 40);
        }
        exponent = negative ? -exponent : exponent;
        int integerDigits = 0;
        int fractionDigits = 0;
        int firstSignificant = -1; // index among all the mantissa's digits
        boolean point = false;
        for (int m = start; m < e; m++) {
            char c = text[m];
            if (c == '.') {
                point = true;
            } else if (c >= '0' && c <= '9') {
                if (c != '0' && firstSignificant < 0) {
                    firstSignificant = integerDigits + fractionDigits;
                }
                if (point) {
                    fractionDigits++;
                } else {
                    integerDigits++;
                }
            }
        }
        String why;
        if (Math.abs(exponent) > NUMERIC_MAX_EXPONENT) {
            why = "the exponent is beyond what numeric reads (±" + NUMERIC_MAX_EXPONENT + ")";
        } else if (fractionDigits - exponent > NUMERIC_MAX_SCALE) {
            why = "it has " + (fractionDigits - exponent) + " digits after the decimal point, numeric takes at most "
                    + NUMERIC_MAX_SCALE;
        } else if (firstSignificant >= 0 && integerDigits - 1 - firstSignificant + exponent > NUMERIC_MAX_POWER) {
            why = "its first digit is at 10^" + (integerDigits - 1 - firstSignificant + exponent)
                    + ", numeric's range ends below 10^" + (NUMERIC_MAX_POWER + 1);
        } else {
            return null;
        }
        String number = new String(text, start, Math.min(end - start, 40)) + (end - start > 40 ? "…" : "");
        return number + " at index " + parser.currentTokenLocation().getByteOffset() + ": " + why;
    }

    /**
     * The first Unicode escape of {@code json} that jsonb refuses: the escape of U+0000 (text cannot
     * hold it), or of half a surrogate pair (PostgreSQL takes a high surrogate only when the escape
     * of a low one follows at once, and a low one only right after a high one). {@code json} is
     * valid JSON, so every backslash starts an escape inside a string or name.
     */
    private static InvalidRecordException escapeProblem(SinkRecord record, byte[] json) {
        int highAt = -1; // index of a high surrogate escape waiting for its low half
        for (int i = 0; i < json.length; i++) {
            if (json[i] != '\\') {
                if (highAt >= 0) {
                    return unpaired(record, json, highAt);
                }
                continue;
            }
            if (json[i + 1] != 'u') {
                if (highAt >= 0) {
                    return unpaired(record, json, highAt);
                }
                i++; // the escaped character
                continue;
            }
            int unit = 0;
            for (int hex = i + 2; hex < i + 6; hex++) {
                unit = unit * 16 + Character.digit(json[hex], 16);
            }
            if (unit == 0) {
                return new InvalidRecordException(record, Defect.VALUE_CONTAINS_NUL, "\\u0000 at index " + i);
            }
            if (Character.isHighSurrogate((char) unit)) {
                if (highAt >= 0) {
                    return unpaired(record, json, highAt);
                }
                highAt = i;
            } else if (Character.isLowSurrogate((char) unit)) {
                if (highAt < 0) {
                    return new InvalidRecordException(record, Defect.VALUE_UNPAIRED_SURROGATE,
                            escape(json, i) + " at index " + i + " does not follow the escape of a high surrogate");
                }
                highAt = -1;
            } else if (highAt >= 0) {
                return unpaired(record, json, highAt);
            }
            i += 5;
        }
        return null;
    }

    private static InvalidRecordException unpaired(SinkRecord record, byte[] json, int highAt) {
        return new InvalidRecordException(record, Defect.VALUE_UNPAIRED_SURROGATE,
                escape(json, highAt) + " at index " + highAt + " is not followed by the escape of a low surrogate");
    }

    private static String escape(byte[] json, int at) {
        return new String(json, at, 6, StandardCharsets.US_ASCII);
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
}
