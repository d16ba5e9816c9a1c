package io.steadysink.config;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * A table name that is safe to splice into SQL: an unquoted lower-case PostgreSQL identifier that is
 * not a reserved word, short enough that the derived names ({@code <table>_stage},
 * {@code <table>_schema_history}) stay within PostgreSQL's 63-byte limit. Reserved words are refused
 * rather than quoted: every statement, script and query that names the table stays as it is.
 */
public record TableName(String value) {

    /** Longest accepted name: 63 bytes minus the longest derived suffix. */
    public static final int MAX_LENGTH = 48;

    /**
     * The key words PostgreSQL's grammar refuses as a table name, from PostgreSQL 17's
     * {@code pg_get_keywords()}: categories R (reserved) and T (reserved, can be a function or type
     * name). The other key words are fine. TableNameTest compares this list with the PostgreSQL the
     * tests run against.
     */
    public static final Set<String> RESERVED_WORDS = Set.of("all", "analyse", "analyze", "and", "any", "array", "as",
            "asc", "asymmetric", "authorization", "binary", "both", "case", "cast", "check", "collate", "collation",
            "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date",
            "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "default",
            "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign",
            "freeze", "from", "full", "grant", "group", "having", "ilike", "in", "initially", "inner", "intersect",
            "into", "is", "isnull", "join", "lateral", "leading", "left", "like", "limit", "localtime",
            "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or", "order", "outer",
            "overlaps", "placing", "primary", "references", "returning", "right", "select", "session_user", "similar",
            "some", "symmetric", "system_user", "table", "tablesample", "then", "to", "trailing", "true", "union",
            "unique", "user", "using", "variadic", "verbose", "when", "where", "window", "with");

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
        if (RESERVED_WORDS.contains(value)) {
            throw new IllegalArgumentException(
                    value + " is a reserved word in PostgreSQL; use another name, e.g. " + value + "_events");
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
