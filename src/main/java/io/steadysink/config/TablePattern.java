package io.steadysink.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's {@code table:} with placeholders, filled from each topic's name: Debezium names a
 * table's topic {@code <topic.prefix>.<schema>.<table>} (the prefix may hold dots itself), so
 * {@code {schema}} is the topic's second-to-last dot-separated part, {@code {table}} its last, and
 * {@code {topic}} the whole name with each {@code .} and {@code -} as {@code _} (as the Debezium JDBC
 * sink's default {@code ${topic}} does). {@code "{schema}.{table}"} maps
 * {@code dbserver1.inventory.customers} to {@code inventory.customers}; {@code replica.{table}} to
 * {@code replica.customers}.
 */
public final class TablePattern {

    /** The placeholders, in the order they are named to the user. */
    public static final List<String> PLACEHOLDERS = List.of("{schema}", "{table}", "{topic}");

    private static final Pattern BRACED = Pattern.compile("\\{[^{}]*}");

    private TablePattern() {
    }

    /** Whether {@code table} (as the route file writes it) has placeholders, or anything meant as one. */
    public static boolean isPattern(String table) {
        return table != null && (table.indexOf('{') >= 0 || table.indexOf('}') >= 0);
    }

    /**
     * What is wrong with {@code table} as a pattern ({@code route <name>: } is added by the caller), or
     * empty when every braced part is a placeholder.
     */
    public static Optional<String> problem(String table) {
        Matcher braced = BRACED.matcher(table);
        String rest = braced.replaceAll("");
        braced.reset();
        while (braced.find()) {
            if (!PLACEHOLDERS.contains(braced.group())) {
                return Optional.of("table \"" + table + "\": " + braced.group() + " is not a placeholder; use "
                        + String.join(", ", PLACEHOLDERS.subList(0, 2)) + " or " + PLACEHOLDERS.get(2));
            }
        }
        if (rest.indexOf('{') >= 0 || rest.indexOf('}') >= 0) {
            return Optional.of("table \"" + table + "\" has an unpaired brace; placeholders are "
                    + String.join(", ", PLACEHOLDERS.subList(0, 2)) + " and " + PLACEHOLDERS.get(2));
        }
        return Optional.empty();
    }

    /**
     * {@code table} with its placeholders filled from {@code topic}, as text; empty when the topic has
     * no {@code <schema>.<table>} at its end (fewer than three dot-separated parts, or an empty one)
     * while the pattern needs them.
     */
    public static Optional<String> resolve(String table, String topic) {
        String resolved = table.replace("{topic}", topic.replace('.', '_').replace('-', '_'));
        if (resolved.contains("{schema}") || resolved.contains("{table}")) {
            String[] parts = topic.split("\\.", -1);
            if (parts.length < 3 || parts[parts.length - 1].isEmpty() || parts[parts.length - 2].isEmpty()) {
                return Optional.empty();
            }
            resolved = resolved.replace("{schema}", parts[parts.length - 2]).replace("{table}",
                    parts[parts.length - 1]);
        }
        return Optional.of(resolved);
    }

    /**
     * Each table a route writes, with the topics it takes into it: {@code table} with all
     * {@code topics}, or for a pattern each topic's table (a topic whose table cannot be resolved is
     * left out: the route is refused at start-up). For the metrics, which exist before routes are
     * bound.
     */
    public static Map<String, List<String>> tables(String table, List<String> topics) {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        if (!isPattern(table)) {
            tables.put(table, topics);
            return tables;
        }
        for (String topic : topics) {
            resolve(table, topic.trim()).ifPresent(resolved -> tables.merge(resolved, List.of(topic.trim()),
                    (a, b) -> java.util.stream.Stream.concat(a.stream(), b.stream()).toList()));
        }
        return tables;
    }
}
