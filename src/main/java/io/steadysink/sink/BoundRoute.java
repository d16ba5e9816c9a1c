package io.steadysink.sink;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeType;

import io.steadysink.config.ColumnSource;
import io.steadysink.config.QualifiedTable;
import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;

/**
 * A route bound to its table as the live catalog describes it: every column it fills with its type,
 * the identity (backed by a unique key) and, in upsert mode, the columns of the ordering guard.
 * {@link #bind} lists everything that keeps the route from working, each finding one line, and the
 * {@code ALTER TABLE} statements that give the table what exactly-once needs.
 *
 * @param guard upsert: the columns holding the Kafka coordinates of the row's source (topic,
 *        partition, offset); append: empty
 * @param restExcluded the top-level fields of the value that value pointers of the route take
 * @param tableColumns every column of the table as it was bound, filled by the route or not (a change
 *        event's field of one of these names has its column)
 */
public record BoundRoute(RouteSpec spec, List<MappedColumn> columns, List<String> identity, List<String> guard,
        Optional<String> deletedColumn, Set<String> restExcluded, Set<String> tableColumns) {

    /** What binding found: the route, or the problems and the statements that fix some of them. */
    public record Binding(Optional<BoundRoute> route, List<String> findings, List<String> alterStatements) {
    }

    public String name() {
        return spec.name();
    }

    public QualifiedTable table() {
        return spec.table();
    }

    public SinkMode mode() {
        return spec.mode();
    }

    /** Binds {@code spec} to {@code shape} (empty: the table does not exist). */
    public static Binding bind(RouteSpec spec, Optional<TableShape> shape) {
        if (spec.changeEvents() && shape.isPresent()) {
            Optional<RouteSpec> completed = ChangeEventColumns.complete(spec, shape.get());
            if (completed.isEmpty()) {
                return new Binding(Optional.empty(), List.of("route " + spec.name() + ": table " + spec.table()
                        + " has no primary key or unique constraint, which a change-events route upserts by;"
                        + " give it the source table's primary key, or name identity:"), List.of());
            }
            return bindTable(completed.get(), shape);
        }
        return bindTable(spec, shape);
    }

    private static Binding bindTable(RouteSpec spec, Optional<TableShape> shape) {
        String prefix = "route " + spec.name() + ": ";
        List<String> findings = new ArrayList<>();
        List<String> alters = new ArrayList<>();
        if (shape.isEmpty()) {
            Optional<String> create = createTable(spec);
            findings.add(prefix + "table " + spec.table() + " does not exist; create it (docs/routes.md shows one"
                    + " for each mode) or correct table:" + (create.isPresent()
                            ? ""
                            : " (with every column's type under types:, SINK_ROUTES_ALTER_TABLES=true creates it)"));
            create.ifPresent(alters::add);
            return new Binding(Optional.empty(), findings, alters);
        }
        TableShape table = shape.get();
        Map<String, ColumnSource> sources = new LinkedHashMap<>(spec.columns());
        List<String> coordinates = RouteSpec.coordinateColumns(spec.columns());
        List<String> missingCoordinates = new ArrayList<>();
        if (spec.needsCoordinates()) {
            for (int i = 0; i < 3; i++) {
                sources.putIfAbsent(coordinates.get(i), new ColumnSource.Kafka(RouteSpec.COORDINATE_FIELDS.get(i)));
                if (table.column(coordinates.get(i)).isEmpty()) {
                    missingCoordinates.add("ADD COLUMN " + QualifiedTable.quote(coordinates.get(i)) + " "
                            + RouteSpec.COORDINATE_TYPES.get(i));
                }
            }
        }
        if (!missingCoordinates.isEmpty()) {
            findings.add(prefix + "table " + spec.table() + " lacks the columns " + coordinates
                    + " that hold each row's Kafka coordinates (" + (spec.mode() == SinkMode.UPSERT
                            ? "the ordering guard: an older record never overwrites a newer one"
                            : "the identity of an appended row: a replay never writes it twice")
                    + ")");
            alters.add("ALTER TABLE " + spec.table().sql() + " "
                    + String.join(", ", missingCoordinates).replace("ADD COLUMN ", "ADD COLUMN IF NOT EXISTS ") + ";");
        }
        List<MappedColumn> columns = new ArrayList<>();
        Set<String> restExcluded = new LinkedHashSet<>();
        sources.forEach((name, source) -> {
            if (source instanceof ColumnSource.ValuePointer pointer) {
                restExcluded.add(firstToken(pointer.pointer()));
            }
            Optional<Column> column = table.column(name);
            if (column.isEmpty()) {
                if (!missingCoordinates.isEmpty() && coordinates.contains(name)) {
                    return; // reported above, with its ALTER
                }
                findings.add(prefix + "column " + name + " is not in table " + spec.table() + " (its columns: "
                        + String.join(", ", table.columns().keySet()) + ")");
                return;
            }
            ColumnType type = column.get().type();
            if (!type.supported()) {
                findings.add(prefix + "column " + name + " has type " + type.formatted()
                        + ", which steady-sink cannot write");
                return;
            }
            EpochUnit unit = unit(spec, name, source);
            JsonNodeType fixed = fixedJsonType(source);
            if (fixed != null && !type.accepts(fixed, unit)) {
                findings.add(prefix + "column " + name + " (" + type.formatted() + ") can never take "
                        + describe(source) + ", which is always a JSON " + fixed.name().toLowerCase(Locale.ROOT)
                        + (type.formatted().startsWith("timestamp") && unit == EpochUnit.NONE
                                ? "; declare its unit under epoch-units"
                                : ""));
                return;
            }
            boolean required = column.get().notNull() && !column.get().hasDefault() || spec.identity().contains(name);
            columns.add(new MappedColumn(name, source, type, unit, required,
                    spec.identity().contains(name) ? Optional.empty() : column.get().defaultExpression(),
                    column.get().notNull()));
        });
        for (Column column : table.columns().values()) {
            if (column.notNull() && !column.hasDefault() && !sources.containsKey(column.name())) {
                findings.add(prefix + "column " + column.name() + " of " + spec.table()
                        + " is NOT NULL without a default and no source fills it; map it under columns:");
            }
        }
        List<String> identity = spec.identity();
        if (!identity.isEmpty() && !table.hasUniqueKey(identity)) {
            boolean inTable = identity.stream().allMatch(column -> table.column(column).isPresent());
            if (inTable) {
                findings.add(prefix + "no primary key or unique constraint of " + spec.table() + " is exactly "
                        + identity + " (the identity): without one a replay could write a row twice");
            }
            if (inTable || !missingCoordinates.isEmpty()) {
                alters.add(addIdentity(spec, identity)); // after the columns it names are added
            }
        }
        Optional<String> deleted = spec.tombstones() == RouteSpec.Tombstones.MARK
                ? spec.deletedColumn()
                : Optional.empty();
        deleted.ifPresent(name -> {
            Optional<Column> column = table.column(name);
            if (column.isEmpty() || !column.get().type().formatted().equals("boolean")) {
                findings.add(prefix + "deleted-column " + name + " must be a boolean column of " + spec.table());
                if (column.isEmpty()) {
                    alters.add("ALTER TABLE " + spec.table().sql() + " ADD COLUMN " + QualifiedTable.quote(name)
                            + " boolean NOT NULL DEFAULT false;");
                }
            }
        });
        if (spec.truncate() == RouteSpec.Truncate.ALLOW) {
            Optional<Column> lsn = table.column(RouteSpec.SOURCE_LSN);
            if (lsn.isEmpty() || !lsn.get().type().formatted().equals("bigint")) {
                findings.add(prefix + "truncate: allow needs the bigint column " + RouteSpec.SOURCE_LSN + " in "
                        + spec.table() + ": each row's source log position, so that a truncate removes the rows"
                        + " older than itself and no change older than it is written after it");
                if (lsn.isEmpty()) {
                    alters.add("ALTER TABLE " + spec.table().sql() + " ADD COLUMN IF NOT EXISTS "
                            + QualifiedTable.quote(RouteSpec.SOURCE_LSN) + " bigint;");
                }
            }
        }
        if (!findings.isEmpty()) {
            return new Binding(Optional.empty(), findings, alters);
        }
        List<String> guard = spec.mode() == SinkMode.UPSERT ? coordinates : List.of();
        return new Binding(Optional.of(new BoundRoute(spec, List.copyOf(columns), identity, guard, deleted,
                Set.copyOf(restExcluded), Set.copyOf(table.columns().keySet()))), findings, alters);
    }

    /**
     * Adds to {@code types} (column to SQL type) the columns steady-sink keeps in a route's table
     * besides its own, where absent: the coordinate columns exactly-once needs (of the type under
     * {@code types:}, else {@link RouteSpec#COORDINATE_TYPES}), the deleted column under
     * {@code tombstones: mark} and {@link RouteSpec#SOURCE_LSN} under {@code truncate: allow}.
     */
    static void addKeptColumns(RouteSpec spec, Map<String, String> types) {
        if (spec.needsCoordinates()) {
            List<String> coordinates = RouteSpec.coordinateColumns(spec.columns());
            for (int i = 0; i < coordinates.size(); i++) {
                types.putIfAbsent(coordinates.get(i),
                        spec.types().getOrDefault(coordinates.get(i), RouteSpec.COORDINATE_TYPES.get(i)));
            }
        }
        if (spec.tombstones() == RouteSpec.Tombstones.MARK) {
            spec.deletedColumn().ifPresent(column -> types.putIfAbsent(column, "boolean NOT NULL DEFAULT false"));
        }
        if (spec.truncate() == RouteSpec.Truncate.ALLOW) {
            types.putIfAbsent(RouteSpec.SOURCE_LSN, "bigint");
        }
    }

    /**
     * The table as the route declares it ({@link RouteSpec#types()}), with the coordinate columns
     * exactly-once needs, the deleted column and the identity's constraint; empty when a column has no
     * declared type. {@code IF NOT EXISTS}: replicas starting at once create it once.
     */
    static Optional<String> createTable(RouteSpec spec) {
        if (spec.changeEvents() && (spec.columns().isEmpty() || spec.identity().isEmpty())) {
            return Optional.empty(); // its columns are the table's: nothing says what they are
        }
        Map<String, String> types = new LinkedHashMap<>();
        for (String column : spec.columns().keySet()) {
            String type = spec.types().get(column);
            if (type == null) {
                return Optional.empty();
            }
            types.put(column, type.trim());
        }
        addKeptColumns(spec, types);
        List<String> definitions = new ArrayList<>();
        types.forEach((column, type) -> definitions.add(QualifiedTable.quote(column) + " " + type));
        if (!spec.identity().isEmpty()) {
            definitions.add("CONSTRAINT "
                    + QualifiedTable
                            .quote(truncate(spec.table().name() + "_" + String.join("_", spec.identity()) + "_key"))
                    + " UNIQUE (" + String.join(", ", spec.identity().stream().map(QualifiedTable::quote).toList())
                    + ")");
        }
        return Optional.of("CREATE TABLE IF NOT EXISTS " + spec.table().sql() + " (" + String.join(", ", definitions)
                + ");");
    }

    /** A named constraint: replicas starting at once add it once (the second gets duplicate_object). */
    private static String addIdentity(RouteSpec spec, List<String> identity) {
        return "ALTER TABLE " + spec.table().sql() + " ADD CONSTRAINT "
                + QualifiedTable.quote(truncate(spec.table().name() + "_" + String.join("_", identity) + "_key"))
                + " UNIQUE (" + String.join(", ", identity.stream().map(QualifiedTable::quote).toList()) + ");";
    }

    private static String truncate(String name) {
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    private static EpochUnit unit(RouteSpec spec, String column, ColumnSource source) {
        if (source instanceof ColumnSource.Kafka kafka && kafka.field() == ColumnSource.KafkaField.TIMESTAMP) {
            return EpochUnit.MILLIS;
        }
        String unit = spec.epochUnits().get(column);
        return unit == null ? EpochUnit.NONE : EpochUnit.valueOf(unit.toUpperCase(Locale.ROOT));
    }

    /** The JSON type a source always yields, or {@code null} when it depends on the record. */
    private static JsonNodeType fixedJsonType(ColumnSource source) {
        if (source instanceof ColumnSource.Kafka kafka) {
            return kafka.field() == ColumnSource.KafkaField.TOPIC ? JsonNodeType.STRING : JsonNodeType.NUMBER;
        }
        if (source instanceof ColumnSource.KeyText || source instanceof ColumnSource.Header) {
            return JsonNodeType.STRING;
        }
        return source instanceof ColumnSource.Rest ? JsonNodeType.OBJECT : null;
    }

    /** A source as the route file writes it, for findings and reasons. */
    static String describe(ColumnSource source) {
        if (source instanceof ColumnSource.ValuePointer pointer) {
            return pointer.pointer().isEmpty() ? "value" : pointer.pointer();
        }
        if (source instanceof ColumnSource.KeyPointer pointer) {
            return "key:" + pointer.pointer();
        }
        if (source instanceof ColumnSource.Header header) {
            return "header:" + header.name();
        }
        if (source instanceof ColumnSource.Kafka kafka) {
            return "kafka:" + kafka.field().name().toLowerCase(Locale.ROOT);
        }
        if (source instanceof ColumnSource.KeyText) {
            return "key";
        }
        return source instanceof ColumnSource.Rest ? "rest" : "value";
    }

    /** The first reference token of a JSON Pointer, unescaped ({@code ~1} is {@code /}, {@code ~0} is {@code ~}). */
    static String firstToken(String pointer) {
        if (pointer.isEmpty()) {
            return "";
        }
        int next = pointer.indexOf('/', 1);
        String token = next < 0 ? pointer.substring(1) : pointer.substring(1, next);
        return token.replace("~1", "/").replace("~0", "~");
    }
}
