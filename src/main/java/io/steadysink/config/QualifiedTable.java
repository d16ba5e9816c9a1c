package io.steadysink.config;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A user's table named by a route: {@code table} or {@code schema.table}, each part as it is in
 * PostgreSQL's catalog (an unquoted name as PostgreSQL folds it: lower case). Always spliced into
 * SQL quoted ({@link #sql()}), so reserved words and upper-case names work; without a schema the
 * connection's {@code search_path} decides, as it would for any query.
 */
public record QualifiedTable(Optional<String> schema, String name) {

    /** Longest name part PostgreSQL keeps (NAMEDATALEN - 1 bytes). */
    public static final int MAX_PART_BYTES = 63;

    private static final Pattern PART = Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_$]*");

    public QualifiedTable {
        schema.ifPresent(part -> check(part, "schema"));
        check(name, "table");
    }

    /**
     * Parses {@code [schema.]table}.
     *
     * @throws IllegalArgumentException naming what is wrong and the expected form
     */
    public static QualifiedTable parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a table is required, e.g. public.orders");
        }
        int dot = text.indexOf('.');
        if (dot < 0) {
            return new QualifiedTable(Optional.empty(), text);
        }
        if (text.indexOf('.', dot + 1) >= 0) {
            throw new IllegalArgumentException(
                    "\"" + text + "\" has more than one dot; write table or schema.table, e.g. public.orders");
        }
        return new QualifiedTable(Optional.of(text.substring(0, dot)), text.substring(dot + 1));
    }

    private static void check(String part, String what) {
        if (part == null || part.isEmpty()) {
            throw new IllegalArgumentException("the " + what + " name is empty; write table or schema.table");
        }
        if (!PART.matcher(part).matches()) {
            throw new IllegalArgumentException("the " + what + " name \"" + part
                    + "\" is not a plain identifier: use letters, digits, underscores and $, starting with a letter or underscore");
        }
        if (part.getBytes(StandardCharsets.UTF_8).length > MAX_PART_BYTES) {
            throw new IllegalArgumentException(
                    "the " + what + " name \"" + part + "\" is longer than PostgreSQL's " + MAX_PART_BYTES + " bytes");
        }
    }

    /** The name quoted for SQL: {@code "schema"."table"} or {@code "table"}. */
    public String sql() {
        return schema.map(part -> quote(part) + ".").orElse("") + quote(name);
    }

    /** {@code identifier} quoted for SQL (double quotes doubled). */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /** As the route file writes it: {@code schema.table} or {@code table}. */
    @Override
    public String toString() {
        return schema.map(part -> part + ".").orElse("") + name;
    }
}
