package io.steadysink.sink;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.steadysink.config.ColumnSource;
import io.steadysink.config.RouteSpec;

/**
 * What a {@code change-events} route fills by default, from its table as the catalog describes it:
 * the identity is the table's primary key (its first key {@code ON CONFLICT} can use) unless the route
 * names one, each identity column comes from the key field of its name, and every other column from
 * the changed row's field of its name; {@code columns:} entries override. Left out: the coordinate
 * columns, the deleted column, {@code source_lsn} under {@code truncate: allow}, and columns PostgreSQL
 * computes (generated).
 */
final class ChangeEventColumns {

    private ChangeEventColumns() {
    }

    /** {@code spec} with its identity and columns filled in for {@code table}; empty when the table has no key. */
    static Optional<RouteSpec> complete(RouteSpec spec, TableShape table) {
        List<String> identity = spec.identity();
        if (identity.isEmpty()) {
            if (table.uniqueKeys().isEmpty()) {
                return Optional.empty();
            }
            identity = table.uniqueKeys().get(0);
        }
        List<String> coordinates = RouteSpec.coordinateColumns(spec.columns());
        Map<String, ColumnSource> columns = new LinkedHashMap<>();
        for (Column column : table.columns().values()) {
            String name = column.name();
            ColumnSource explicit = spec.columns().get(name);
            if (explicit != null) {
                columns.put(name, explicit);
            } else if (!coordinates.contains(name) && !spec.deletedColumn().map(name::equals).orElse(false)
                    && !generated(column)
                    && !(spec.truncate() == RouteSpec.Truncate.ALLOW && name.equals(RouteSpec.SOURCE_LSN))) {
                String pointer = "/" + name.replace("~", "~0").replace("/", "~1");
                columns.put(name, identity.contains(name)
                        ? new ColumnSource.KeyPointer(pointer)
                        : new ColumnSource.ValuePointer(pointer));
            }
        }
        spec.columns().forEach(columns::putIfAbsent); // not in the table: binding reports them
        return Optional.of(new RouteSpec(spec.name(), spec.topics(), spec.table(), spec.mode(), columns,
                List.copyOf(identity), spec.epochUnits(), spec.tombstones(), spec.deletedColumn(), spec.types(),
                true, spec.schemaChanges(), spec.truncate(), spec.tablePattern(), spec.unavailableValue(),
                spec.valueFormat(), spec.keyFormat()));
    }

    /** A column PostgreSQL computes: no source value can go into it. */
    private static boolean generated(Column column) {
        return !column.type().supported() && column.hasDefault() && column.defaultExpression().isPresent();
    }
}
