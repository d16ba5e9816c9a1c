package io.steadysink.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A route of the route file, checked and parsed: everything that can be judged without the
 * database. What needs the live catalog (column types, unique keys) is judged when the route is
 * bound to its table.
 *
 * @param columns column name to its source, in the order the file lists them
 * @param identity the columns identifying a row; for append without an identity of its own, the
 *        columns of the Kafka coordinates
 * @param epochUnits column name to {@code seconds}, {@code millis} or {@code micros}
 * @param changeEvents mode {@code change-events}: an upsert route whose records are Debezium change
 *        events; its identity (empty: the table's primary key) comes from the key, its other columns
 *        (those not under {@code columns}) from the changed row's fields of the same name
 * @param unavailableValue change events: the placeholder Debezium writes for a large value an update
 *        left unchanged ({@value #UNAVAILABLE_VALUE} unless the route names another); empty for other modes
 */
public record RouteSpec(String name, List<String> topics, QualifiedTable table, SinkMode mode,
        Map<String, ColumnSource> columns, List<String> identity, Map<String, String> epochUnits,
        Tombstones tombstones, Optional<String> deletedColumn, Map<String, String> types, boolean changeEvents,
        Optional<String> unavailableValue) {

    /** The mode of a route replicating a table from Debezium change events. */
    public static final String CHANGE_EVENTS = "change-events";

    /** Debezium's default {@code unavailable.value.placeholder}. */
    public static final String UNAVAILABLE_VALUE = "__debezium_unavailable_value";

    /** What a tombstone does to the row of its identity. */
    public enum Tombstones {
        DELETE, MARK, IGNORE;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Default names of the columns that hold the Kafka coordinates of a row's source: the names the
     * fixed-shape tables use.
     */
    public static final List<String> COORDINATE_COLUMNS = List.of("kafka_topic", "kafka_partition", "kafka_offset");

    /** The Kafka fields the coordinate columns hold, in the order of {@link #COORDINATE_COLUMNS}. */
    public static final List<ColumnSource.KafkaField> COORDINATE_FIELDS = List.of(ColumnSource.KafkaField.TOPIC,
            ColumnSource.KafkaField.PARTITION, ColumnSource.KafkaField.OFFSET);

    /** The SQL types of the coordinate columns, in the order of {@link #COORDINATE_COLUMNS}. */
    public static final List<String> COORDINATE_TYPES = List.of("text", "integer", "bigint");

    private static final List<String> UNITS = List.of("seconds", "millis", "micros");

    /** A column type as a route may declare it: a (possibly qualified) type name, modifiers, array brackets. */
    private static final java.util.regex.Pattern TYPE = java.util.regex.Pattern
            .compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?( [A-Za-z_][A-Za-z0-9_]*)*"
                    + "(\\( *\\d+ *(, *\\d+ *)?\\))?( with(out)? time zone)?(\\[])*");

    /**
     * Parses the route named {@code name}, or returns empty after adding to {@code problems} one line
     * per problem found, each starting with {@code route <name>:}.
     */
    public static Optional<RouteSpec> parse(String name, RouteSettings settings, List<String> problems) {
        List<String> found = new ArrayList<>();
        List<String> topics = settings.topics().stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        if (topics.isEmpty()) {
            found.add("topics is empty; name at least one topic");
        }
        QualifiedTable table = null;
        try {
            table = QualifiedTable.parse(settings.table());
        } catch (IllegalArgumentException e) {
            found.add("table: " + e.getMessage());
        }
        boolean changeEvents = CHANGE_EVENTS.equalsIgnoreCase(settings.mode().trim());
        SinkMode mode = changeEvents ? SinkMode.UPSERT : SinkMode.parse(settings.mode()).orElse(null);
        if (mode == null) {
            found.add("mode \"" + settings.mode() + "\" is not a mode; use append, upsert or " + CHANGE_EVENTS);
        }
        Map<String, ColumnSource> columns = new LinkedHashMap<>();
        new TreeMap<>(settings.columns()).forEach((column, source) -> {
            try {
                columns.put(column, ColumnSource.parse(source));
            } catch (IllegalArgumentException e) {
                found.add("column " + column + ": " + e.getMessage());
            }
        });
        if (settings.columns().isEmpty() && !changeEvents) {
            found.add("columns is empty; map at least one column, e.g. columns: {id: /id}");
        }
        long rests = columns.values().stream().filter(ColumnSource.Rest.class::isInstance).count();
        if (rests > 1) {
            found.add("more than one column takes rest; at most one column holds the fields no pointer took");
        }
        Tombstones tombstones = parseTombstones(settings.tombstones(), found);
        if (tombstones == Tombstones.MARK && settings.deletedColumn().isEmpty()) {
            found.add("tombstones: mark needs deleted-column, the boolean column a tombstone sets");
        }
        settings.epochUnits().forEach((column, unit) -> {
            if (!UNITS.contains(unit.toLowerCase(Locale.ROOT))) {
                found.add("epoch-units." + column + " \"" + unit + "\" is not a unit; use seconds, millis or micros");
            }
        });
        settings.types().forEach((column, type) -> {
            if (!TYPE.matcher(type.trim()).matches()) {
                found.add("types." + column + " \"" + type + "\" is not a column type, e.g. uuid, numeric(12,2),"
                        + " timestamp with time zone, text[]");
            } else if (!changeEvents && !settings.columns().containsKey(column)
                    && !COORDINATE_COLUMNS.contains(column)
                    && !settings.deletedColumn().map(column::equals).orElse(false)) {
                found.add("types." + column + " names no column of the route");
            }
        });
        List<String> identity = settings.identity().orElse(List.of());
        if (mode == SinkMode.UPSERT && identity.isEmpty() && !changeEvents) {
            found.add("an upsert route needs identity, the columns naming a row (backed by a unique constraint)");
        }
        if (identity.isEmpty() && mode == SinkMode.APPEND) {
            identity = coordinateColumns(columns);
        }
        if (needsCoordinates(mode, identity, columns)) {
            List<String> coordinates = coordinateColumns(columns);
            for (int i = 0; i < 3; i++) {
                ColumnSource source = columns.get(coordinates.get(i));
                String field = COORDINATE_FIELDS.get(i).name().toLowerCase(Locale.ROOT);
                if (source != null && !source.equals(new ColumnSource.Kafka(COORDINATE_FIELDS.get(i)))) {
                    found.add("column " + coordinates.get(i) + " is filled from " + settings.columns().get(
                            coordinates.get(i)).trim() + ", but it holds the Kafka " + field + " of each row's source ("
                            + (mode == SinkMode.UPSERT ? "the ordering guard" : "the identity")
                            + "); map it from kafka:"
                            + field + " or map kafka:" + field + " to another column");
                }
            }
        }
        settings.deletedColumn().filter(columns::containsKey).ifPresent(column -> found.add("deleted-column "
                + column + " is also under columns: a column is filled once; remove it from columns"));
        for (String column : identity) {
            if (!changeEvents && !columns.containsKey(column) && !COORDINATE_COLUMNS.contains(column)) {
                found.add("identity column " + column + " is not among the columns");
            }
        }
        if (mode == SinkMode.UPSERT && tombstones != Tombstones.IGNORE) {
            for (String column : identity) {
                ColumnSource source = columns.get(column);
                if (source != null && !source.availableInTombstones()) {
                    found.add("identity column " + column + " comes from the value, which a tombstone lacks;"
                            + " take it from the key or set tombstones: ignore");
                }
            }
        }
        Optional<String> unavailable = settings.unavailableValuePlaceholder();
        if (unavailable.isPresent() && !changeEvents) {
            found.add("unavailable-value-placeholder applies to mode " + CHANGE_EVENTS + " only; remove it");
        } else if (unavailable.isPresent() && (unavailable.get().isEmpty() || unavailable.get().equals("hex:"))) {
            found.add("unavailable-value-placeholder is empty; write the connector's unavailable.value.placeholder"
                    + " or leave it out for " + UNAVAILABLE_VALUE);
        } else if (unavailable.isPresent() && unavailable.get().startsWith("hex:")
                && !unavailable.get().substring(4).matches("([0-9a-fA-F]{2})+")) {
            found.add("unavailable-value-placeholder \"" + unavailable.get() + "\" is not hex: after hex: come"
                    + " pairs of hex digits, one per byte");
        }
        found.forEach(problem -> problems.add("route " + name + ": " + problem));
        if (!found.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> units = new TreeMap<>();
        settings.epochUnits().forEach((column, unit) -> units.put(column, unit.toLowerCase(Locale.ROOT)));
        return Optional.of(new RouteSpec(name, topics, table, mode, columns, List.copyOf(identity), units,
                mode == SinkMode.APPEND ? Tombstones.IGNORE : tombstones, settings.deletedColumn(),
                new TreeMap<>(settings.types()), changeEvents,
                changeEvents ? Optional.of(unavailable.orElse(UNAVAILABLE_VALUE)) : Optional.empty()));
    }

    /**
     * The columns the route fills from the Kafka coordinates (topic, partition, offset), in that
     * order; {@link #COORDINATE_COLUMNS} where the route maps none of them.
     */
    public static List<String> coordinateColumns(Map<String, ColumnSource> columns) {
        List<String> names = new ArrayList<>(3);
        for (ColumnSource.KafkaField field : COORDINATE_FIELDS) {
            names.add(columns.entrySet().stream().filter(e -> e.getValue().equals(new ColumnSource.Kafka(field)))
                    .map(Map.Entry::getKey).findFirst()
                    .orElse(COORDINATE_COLUMNS.get(names.size())));
        }
        return names;
    }

    /**
     * Whether the route's rows carry their Kafka coordinates: upsert's ordering guard, or an append
     * identity that is the coordinates.
     */
    public boolean needsCoordinates() {
        return needsCoordinates(mode, identity, columns);
    }

    private static boolean needsCoordinates(SinkMode mode, List<String> identity, Map<String, ColumnSource> columns) {
        return mode == SinkMode.UPSERT || identity.equals(coordinateColumns(columns));
    }

    private static Tombstones parseTombstones(String text, List<String> found) {
        for (Tombstones tombstones : Tombstones.values()) {
            if (tombstones.configName().equalsIgnoreCase(text.trim())) {
                return tombstones;
            }
        }
        found.add("tombstones \"" + text + "\" is not a choice; use delete, mark or ignore");
        return Tombstones.IGNORE;
    }
}
