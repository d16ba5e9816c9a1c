package io.steadysink.sink;

import java.util.regex.Pattern;

/**
 * A table name that is safe to splice into SQL: an unquoted lower-case PostgreSQL identifier, short
 * enough that the derived names ({@code <table>_stage}, {@code <table>_schema_history}) stay
 * within PostgreSQL's 63-byte limit.
 */
public record TableName(String value) {

    /** Longest accepted name: 63 bytes minus the longest derived suffix. */
    public static final int MAX_LENGTH = 48;

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    public TableName {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("a table name is required, e.g. events");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("use at most " + MAX_LENGTH + " characters");
        }
        if (!IDENTIFIER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "use lower-case letters, digits and underscores, starting with a letter or underscore");
        }
    }

    public static TableName of(String value) {
        return new TableName(value);
    }

    /** Name of the session-local staging table that COPY fills before the merge. */
    public String stage() {
        return value + "_stage";
    }

    @Override
    public String toString() {
        return value;
    }
}
