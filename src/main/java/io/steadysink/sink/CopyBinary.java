package io.steadysink.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Rows in PostgreSQL's binary COPY format: each field its length and its bytes in the column type's
 * binary form, so neither side escapes or parses text for integers, booleans and timestamps, and
 * text and {@code jsonb} fields are the record's bytes as they came from Kafka (the caller has
 * checked their encoding). {@code jsonb} is still parsed by PostgreSQL: its binary form is a version
 * byte followed by the JSON text. The fields must match the target columns' types exactly
 * ({@code text}, {@code jsonb}, {@code integer}, {@code bigint}, {@code boolean},
 * {@code timestamptz}): a binary field carries no type of its own.
 */
final class CopyBinary {

    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0, // signature
            0, 0, 0, 0, // flags: no OIDs
            0, 0, 0, 0}; // no header extension

    /** The file trailer: a field count of -1. */
    private static final byte[] TRAILER = {(byte) 0xff, (byte) 0xff};
    private static final byte JSONB_VERSION = 1;

    /** Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
    private static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;

    private final short fields;
    private byte[] rows;
    private int size;

    /** @param fields the number of fields of every row */
    CopyBinary(int fields, int expectedRows) {
        this.fields = (short) fields;
        rows = new byte[HEADER.length + Math.max(expectedRows, 1) * 320 + 2];
        System.arraycopy(HEADER, 0, rows, 0, HEADER.length);
        size = HEADER.length;
    }

    /** Starts a row; it takes exactly the number of fields given to the constructor. */
    CopyBinary row() {
        ensure(2);
        putShort(fields);
        return this;
    }

    CopyBinary text(String value) {
        return text(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** A {@code text} field given as UTF-8 bytes, {@code null} for NULL. */
    CopyBinary text(byte[] utf8) {
        if (utf8 == null) {
            return nullField();
        }
        ensure(4 + utf8.length);
        putInt(utf8.length);
        System.arraycopy(utf8, 0, rows, size, utf8.length);
        size += utf8.length;
        return this;
    }

    /** A {@code jsonb} field given as the UTF-8 bytes of its JSON text, {@code null} for NULL. */
    CopyBinary jsonb(byte[] utf8) {
        if (utf8 == null) {
            return nullField();
        }
        ensure(5 + utf8.length);
        putInt(utf8.length + 1);
        rows[size++] = JSONB_VERSION;
        System.arraycopy(utf8, 0, rows, size, utf8.length);
        size += utf8.length;
        return this;
    }

    CopyBinary jsonb(String value) {
        return jsonb(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    /** An {@code integer} field. */
    CopyBinary int4(int value) {
        ensure(8);
        putInt(4);
        putInt(value);
        return this;
    }

    /** A {@code bigint} field. */
    CopyBinary int8(long value) {
        ensure(12);
        putInt(8);
        putLong(value);
        return this;
    }

    CopyBinary bool(boolean value) {
        ensure(5);
        putInt(1);
        rows[size++] = (byte) (value ? 1 : 0);
        return this;
    }

    /**
     * Epoch milliseconds as a {@code timestamptz}, or NULL: when absent, and outside what
     * {@code timestamptz} holds ({@link CopyText#MIN_TIMESTAMP_MILLIS} to
     * {@link CopyText#MAX_TIMESTAMP_MILLIS}; a Kafka timestamp is any {@code long}), where a valid
     * record must not become poison for its timestamp.
     */
    CopyBinary timestamp(Long epochMillis) {
        if (epochMillis == null || epochMillis < CopyText.MIN_TIMESTAMP_MILLIS
                || epochMillis > CopyText.MAX_TIMESTAMP_MILLIS) {
            return nullField();
        }
        return int8((epochMillis - POSTGRES_EPOCH_MILLIS) * 1000);
    }

    /** Streams the rows into {@code table (columns)} on the connection's current transaction. */
    long copyInto(Connection connection, String table, String columns) throws SQLException {
        return CopyText.copy(connection, "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT binary)", rows, size,
                TRAILER);
    }

    private CopyBinary nullField() {
        ensure(4);
        putInt(-1);
        return this;
    }

    private void putShort(short value) {
        rows[size++] = (byte) (value >>> 8);
        rows[size++] = (byte) value;
    }

    private void putInt(int value) {
        rows[size++] = (byte) (value >>> 24);
        rows[size++] = (byte) (value >>> 16);
        rows[size++] = (byte) (value >>> 8);
        rows[size++] = (byte) value;
    }

    private void putLong(long value) {
        putInt((int) (value >>> 32));
        putInt((int) value);
    }

    private void ensure(int more) {
        if (size + more > rows.length) {
            rows = Arrays.copyOf(rows, Math.max(rows.length * 2, size + more));
        }
    }
}
