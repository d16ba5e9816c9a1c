package io.steadysink.sink;

import java.util.Optional;

import io.steadysink.config.ColumnSource;
import io.steadysink.config.QualifiedTable;

/**
 * A column of a routed table as a route fills it: where its value comes from, the catalog's type,
 * the epoch unit of numbers written into a timestamp column, and whether a missing value makes the
 * record poison (NOT NULL without default) or takes the column's default.
 *
 * @param notNull whether the column is {@code NOT NULL}: a change event's JSON null cannot go into it
 */
public record MappedColumn(String name, ColumnSource source, ColumnType type, EpochUnit unit, boolean required,
        Optional<String> defaultExpression, boolean notNull) {

    /** The column name quoted for SQL. */
    String sql() {
        return QualifiedTable.quote(name);
    }
}
