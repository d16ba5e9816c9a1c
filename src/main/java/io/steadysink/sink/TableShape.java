package io.steadysink.sink;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.steadysink.config.QualifiedTable;

/**
 * What a user's table looks like: enough to convert values into its columns and to know whether a
 * set of columns identifies a row (what {@code INSERT ... ON CONFLICT} needs).
 *
 * @param columns by name, in the table's column order, without dropped and system columns
 * @param uniqueKeys the column names of each key that {@code ON CONFLICT} can use, in index order:
 *        the primary key first, then unique constraints, then unique indexes; not partial or
 *        expression indexes, not deferrable constraints, not indexes left invalid by a failed build
 */
public record TableShape(QualifiedTable table, Map<String, Column> columns, List<List<String>> uniqueKeys) {

    public TableShape {
        columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        uniqueKeys = uniqueKeys.stream().map(List::copyOf).toList();
    }

    public Optional<Column> column(String name) {
        return Optional.ofNullable(columns.get(name));
    }

    /** Whether some unique key has exactly these columns (any order). */
    public boolean hasUniqueKey(Collection<String> columns) {
        HashSet<String> wanted = new HashSet<>(columns);
        return wanted.size() == columns.size()
                && uniqueKeys.stream().anyMatch(key -> key.size() == wanted.size() && wanted.containsAll(key));
    }
}
