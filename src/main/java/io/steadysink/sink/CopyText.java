package io.steadysink.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Rows in PostgreSQL's COPY text format, built directly as UTF-8 bytes: tab-separated fields,
 * {@code \N} for NULL, backslash escapes for the separator characters. Record keys and values are
 * copied from their Kafka bytes without decoding them (the only bytes escaped are ASCII, which in
 * UTF-8 never occur inside a multi-byte character).
 */
final class CopyText {

    private static final byte[] NULL = {'\\', 'N'};

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

    /** Epoch milliseconds as an ISO-8601 UTC instant, or NULL. */
    CopyText timestamp(Long epochMillis) {
        return text(epochMillis == null ? null : Instant.ofEpochMilli(epochMillis).toString());
    }

    CopyText endRow() {
        ensure(1);
        rows[size++] = '\n';
        rowStart = true;
        return this;
    }

    /** Streams the rows into {@code table (columns)} on the connection's current transaction. */
    long copyInto(Connection connection, String table, String columns) throws SQLException {
        CopyIn copy = connection.unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn("COPY " + table + " (" + columns + ") FROM STDIN");
        try {
            copy.writeToCopy(rows, 0, size);
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
