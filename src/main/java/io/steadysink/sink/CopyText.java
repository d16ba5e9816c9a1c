package io.steadysink.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Locale;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows in PostgreSQL's COPY text format, built directly as UTF-8 bytes: tab-separated fields,
 * {@code \N} for NULL, backslash escapes for the separator characters (the only bytes escaped are
 * ASCII, which in UTF-8 never occur inside a multi-byte character). Routes write their converted
 * column texts this way; the fixed-shape modes use {@link CopyBinary}.
 */
final class CopyText {

    private static final byte[] NULL = {'\\', 'N'};

    /** 4714-11-24T00:00:00Z BC, the first instant {@code timestamptz} holds. */
    static final long MIN_TIMESTAMP_MILLIS = -210_866_803_200_000L;
    /** 294276-12-31T23:59:59.999Z, the last millisecond {@code timestamptz} holds. */
    static final long MAX_TIMESTAMP_MILLIS = 9_224_318_015_999_999L;
    private static final long YEAR_1_MILLIS = -62_135_596_800_000L;
    private static final long YEAR_10000_MILLIS = 253_402_300_800_000L;

    private byte[] rows;
    private int size;
    private boolean rowStart = true;

    CopyText(int expectedRows) {
        rows = new byte[Math.max(expectedRows, 1) * 320];
    }

    CopyText text(String value) {
        return utf8(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** A text field given as UTF-8 bytes ({@code null} for NULL); the caller has checked the encoding. */
    CopyText utf8(byte[] value) {
        separate();
        if (value == null) {
            append(NULL);
            return this;
        }
        int start = 0;
        for (int i = 0; i < value.length; i++) {
            byte escaped = switch (value[i]) {
                case '\\' -> '\\';
                case '\n' -> 'n';
                case '\r' -> 'r';
                case '\t' -> 't';
                default -> 0;
            };
            if (escaped != 0) {
                append(value, start, i - start);
                ensure(2);
                rows[size++] = '\\';
                rows[size++] = escaped;
                start = i + 1;
            }
        }
        append(value, start, value.length - start);
        return this;
    }

    CopyText number(long value) {
        separate();
        append(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    CopyText bool(boolean value) {
        separate();
        ensure(1);
        rows[size++] = (byte) (value ? 't' : 'f');
        return this;
    }

    /**
     * Epoch milliseconds as UTC timestamp text PostgreSQL reads, or {@code null}: when absent, and
     * outside what {@code timestamptz} holds (4714-11-24 BC to the end of 294276 AD; a Kafka timestamp
     * is any {@code long}), where a valid record must not become poison for its timestamp.
     */
    static String timestampText(Long epochMillis) {
        if (epochMillis == null || epochMillis < MIN_TIMESTAMP_MILLIS || epochMillis > MAX_TIMESTAMP_MILLIS) {
            return null;
        }
        if (epochMillis >= YEAR_1_MILLIS && epochMillis < YEAR_10000_MILLIS) {
            return Instant.ofEpochMilli(epochMillis).toString(); // ISO 8601 with a four-digit year
        }
        // PostgreSQL reads neither ISO's "+" before a longer year nor its year 0 and below: those are
        // 1 BC, 2 BC, ... in PostgreSQL's (and the calendar's) counting
        LocalDateTime utc = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000),
                (int) Math.floorMod(epochMillis, 1000) * 1_000_000, ZoneOffset.UTC);
        int year = utc.getYear();
        return String.format(Locale.ROOT, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ%s", year > 0 ? year : 1 - year,
                utc.getMonthValue(), utc.getDayOfMonth(), utc.getHour(), utc.getMinute(), utc.getSecond(),
                utc.getNano() / 1_000_000, year > 0 ? "" : " BC");
    }

    CopyText endRow() {
        ensure(1);
        rows[size++] = '\n';
        rowStart = true;
        return this;
    }

    /** Streams the rows into {@code table (columns)} on the connection's current transaction. */
    long copyInto(Connection connection, String table, String columns) throws SQLException {
        return copy(connection, "COPY " + table + " (" + columns + ") FROM STDIN", rows, size, new byte[0]);
    }

    /**
     * Runs {@code copySql} with {@code rows[0..size)} and then {@code trailer} as its input, on the
     * connection's current transaction; a COPY that fails midway is cancelled. Returns the rows copied.
     */
    static long copy(Connection connection, String copySql, byte[] rows, int size, byte[] trailer)
            throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
        try {
            copy.writeToCopy(rows, 0, size);
            if (trailer.length > 0) {
                copy.writeToCopy(trailer, 0, trailer.length);
            }
            return copy.endCopy();
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    private void separate() {
        if (!rowStart) {
            ensure(1);
            rows[size++] = '\t';
        }
        rowStart = false;
    }

    private void append(byte[] bytes) {
        append(bytes, 0, bytes.length);
    }

    private void append(byte[] bytes, int offset, int length) {
        ensure(length);
        System.arraycopy(bytes, offset, rows, size, length);
        size += length;
    }

    private void ensure(int more) {
        if (size + more > rows.length) {
            rows = Arrays.copyOf(rows, Math.max(rows.length * 2, size + more));
        }
    }
}
