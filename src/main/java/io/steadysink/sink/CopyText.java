package io.steadysink.sink;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

import org.postgresql.PGConnection;

/**
 * Rows in PostgreSQL's COPY text format: tab-separated fields, {@code \N} for NULL, backslash
 * escapes for the separator characters.
 */
final class CopyText {

    private final StringBuilder rows;
    private boolean rowStart = true;

    CopyText(int expectedRows) {
        rows = new StringBuilder(Math.max(expectedRows, 1) * 320);
    }

    CopyText text(String value) {
        separate();
        if (value == null) {
            rows.append("\\N");
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> rows.append("\\\\");
                case '\n' -> rows.append("\\n");
                case '\r' -> rows.append("\\r");
                case '\t' -> rows.append("\\t");
                default -> rows.append(c);
            }
        }
        return this;
    }

    CopyText number(long value) {
        separate();
        rows.append(value);
        return this;
    }

    CopyText bool(boolean value) {
        separate();
        rows.append(value ? 't' : 'f');
        return this;
    }

    /** Epoch milliseconds as an ISO-8601 UTC instant, or NULL. */
    CopyText timestamp(Long epochMillis) {
        return text(epochMillis == null ? null : Instant.ofEpochMilli(epochMillis).toString());
    }

    CopyText endRow() {
        rows.append('\n');
        rowStart = true;
        return this;
    }

    /** Streams the rows into {@code table (columns)} on the connection's current transaction. */
    long copyInto(Connection connection, String table, String columns) throws SQLException {
        byte[] bytes = rows.toString().getBytes(StandardCharsets.UTF_8);
        try {
            return connection.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY " + table + " (" + columns + ") FROM STDIN", new ByteArrayInputStream(bytes));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY into " + table + " failed", "08006", e);
        }
    }

    private void separate() {
        if (!rowStart) {
            rows.append('\t');
        }
        rowStart = false;
    }
}
