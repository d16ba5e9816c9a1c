package io.steadysink.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.steadysink.format.RecordFormat;

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
 * @param schemaChanges change events: what a field of the changed row that no column takes does
 *        ({@link SchemaChanges#STOP} for other modes)
 * @param truncate change events: what a truncate (op {@code t}) does
 * @param tablePattern the route's {@code table:} as written when it has placeholders
 *        ({@link TablePattern}): the route is then bound once per topic, this spec being the one of its
 *        only topic, {@code table} the table that topic's name maps to
 * @param unavailableValue change events: the placeholder Debezium writes for a large value an update
 *        left unchanged ({@value #UNAVAILABLE_VALUE} unless the route names another); empty for other modes
 * @param valueFormat how record values are read: JSON text, or through the schema registry
 * @param keyFormat how record keys are read for {@code key:/pointer} columns
 */
public record RouteSpec(String name, List<String> topics, QualifiedTable table, SinkMode mode,
        Map<String, ColumnSource> columns, List<String> identity, Map<String, String> epochUnits,
        Tombstones tombstones, Optional<String> deletedColumn, Map<String, String> types, boolean changeEvents,
        SchemaChanges schemaChanges, Truncate truncate, Optional<String> tablePattern,
        Optional<String> unavailableValue, RecordFormat valueFormat, RecordFormat keyFormat) {

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
     * What a {@code change-events} route does when the source table changes: a field of the changed
     * row that no column takes (the source added a column), or a table that does not exist.
     */
    public enum SchemaChanges {
        /**
         * The route's writes wait (retried in place) until the table has a column for the field; the
         * reason gives the {@code ALTER TABLE} to run. A missing table refuses start-up.
         */
        STOP,
        /**
         * steady-sink adds a column for the field, of the type its Connect schema names, and creates a
         * missing table from the first change event's schema; it never drops, renames or retypes.
         */
        ADD,
        /** Fields no column takes are left out: the table keeps a chosen subset of the source's columns. */
        IGNORE;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What a truncate does to a change-events route's table: {@code refuse} (poison, the default) or
     * {@code allow} (deletes the rows written from changes before it in the source's log).
     */
    public enum Truncate {
        REFUSE, ALLOW;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The column of a {@code truncate: allow} route's table holding each row's source log position
     * (Debezium's {@code source.lsn}): a truncate deletes the rows older than itself.
     */
    public static final String SOURCE_LSN = "source_lsn";

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
     * What the route's state in PostgreSQL is kept under (its tombstones, its newest truncate, its
     * staging table): its name, or for a route bound from a table pattern {@code <name>:<table>}, so
     * each of its tables keeps its own. A route name has no {@code :}.
     */
    public String key() {
        return tablePattern.isPresent() ? name + ":" + table : name;
    }

    /**
     * Parses the route named {@code name}: one spec, or one per topic for a table pattern; or returns
     * none after adding to {@code problems} one line per problem found, each starting with
     * {@code route <name>:}.
     */
    public static List<RouteSpec> parse(String name, RouteSettings settings, List<String> problems) {
        List<String> found = new ArrayList<>();
        List<String> topics = settings.topics().stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
        if (topics.isEmpty()) {
            found.add("topics is empty; name at least one topic");
        }
        boolean changeEvents = CHANGE_EVENTS.equalsIgnoreCase(settings.mode().trim());
        QualifiedTable table = null;
        Map<String, QualifiedTable> topicTables = new LinkedHashMap<>();
        if (TablePattern.isPattern(settings.table())) {
            patternTables(settings.table(), topics, changeEvents, topicTables, found);
        } else {
            try {
                table = QualifiedTable.parse(settings.table());
            } catch (IllegalArgumentException e) {
                found.add("table: " + e.getMessage());
            }
        }
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
        SchemaChanges schemaChanges = parseSchemaChanges(settings.schemaChanges(), found);
        if (schemaChanges != SchemaChanges.STOP && !changeEvents) {
            found.add("schema-changes applies to mode " + CHANGE_EVENTS + " only (whose columns follow the source"
                    + " table); remove it");
        }
        if (tombstones == Tombstones.MARK && settings.deletedColumn().isEmpty()) {
            found.add("tombstones: mark needs deleted-column, the boolean column a tombstone sets");
        }
        Truncate truncate = parseTruncate(settings.truncate(), found);
        if (truncate == Truncate.ALLOW && !changeEvents) {
            found.add("truncate: allow is for change-events routes (a truncate is a Debezium change event);"
                    + " remove it");
        } else if (truncate == Truncate.ALLOW && tombstones != Tombstones.DELETE) {
            found.add("truncate: allow needs tombstones: delete (a truncate deletes the rows it removes);"
                    + " set tombstones: delete or truncate: refuse");
        } else if (truncate == Truncate.ALLOW && columns.containsKey(SOURCE_LSN)) {
            found.add("column " + SOURCE_LSN + " holds each row's source log position under truncate: allow;"
                    + " remove it from columns");
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
        RecordFormat valueFormat = format("value-format", settings.valueFormat(), found);
        RecordFormat keyFormat = format("key-format", settings.keyFormat(), found);
        if (changeEvents && (valueFormat != RecordFormat.JSON || keyFormat != RecordFormat.JSON)) {
            found.add("a " + CHANGE_EVENTS + " route reads Debezium's JSON change events (JsonConverter); "
                    + "value-format and key-format must be json");
        }
        found.forEach(problem -> problems.add("route " + name + ": " + problem));
        if (!found.isEmpty()) {
            return List.of();
        }
        Map<String, String> units = new TreeMap<>();
        settings.epochUnits().forEach((column, unit) -> units.put(column, unit.toLowerCase(Locale.ROOT)));
        Tombstones onTombstone = mode == SinkMode.APPEND ? Tombstones.IGNORE : tombstones;
        Optional<String> placeholder = changeEvents
                ? Optional.of(unavailable.orElse(UNAVAILABLE_VALUE))
                : Optional.empty();
        if (topicTables.isEmpty()) {
            return List.of(new RouteSpec(name, topics, table, mode, columns, List.copyOf(identity), units, onTombstone,
                    settings.deletedColumn(), new TreeMap<>(settings.types()), changeEvents, schemaChanges,
                    truncate, Optional.empty(), placeholder, valueFormat, keyFormat));
        }
        List<RouteSpec> perTopic = new ArrayList<>();
        List<String> key = List.copyOf(identity);
        topicTables.forEach((topic, resolved) -> perTopic.add(new RouteSpec(name, List.of(topic), resolved, mode,
                columns, key, units, onTombstone, settings.deletedColumn(), new TreeMap<>(settings.types()),
                changeEvents, schemaChanges, truncate, Optional.of(settings.table()), placeholder, valueFormat,
                keyFormat)));
        return perTopic;
    }

    /**
     * Fills {@code topicTables} with the table each topic's name maps to by {@code pattern}, or adds what
     * keeps it from doing so to {@code found}: placeholders outside a change-events route, a topic whose
     * name lacks the parts the pattern needs, a table that is no table, two topics mapping to one table.
     */
    private static void patternTables(String pattern, List<String> topics, boolean changeEvents,
            Map<String, QualifiedTable> topicTables, List<String> found) {
        if (!changeEvents) {
            found.add("table \"" + pattern + "\" has placeholders, which only a change-events route fills (from each"
                    + " topic's name); name one table or use mode: " + CHANGE_EVENTS);
            return;
        }
        Optional<String> problem = TablePattern.problem(pattern);
        if (problem.isPresent()) {
            found.add(problem.get());
            return;
        }
        Map<QualifiedTable, String> firstTopic = new LinkedHashMap<>();
        for (String topic : topics) {
            Optional<String> resolved = TablePattern.resolve(pattern, topic);
            if (resolved.isEmpty()) {
                found.add("topic " + topic + " is not named <prefix>.<schema>.<table>, which table \"" + pattern
                        + "\" needs; list it in a route of its own");
                continue;
            }
            QualifiedTable table;
            try {
                table = QualifiedTable.parse(resolved.get());
            } catch (IllegalArgumentException e) {
                found.add("topic " + topic + " maps to table \"" + resolved.get() + "\": " + e.getMessage());
                continue;
            }
            String other = firstTopic.putIfAbsent(table, topic);
            if (other != null) {
                found.add("topics " + other + " and " + topic + " both map to table " + table
                        + "; a table is replicated from one topic");
                continue;
            }
            topicTables.put(topic, table);
        }
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

    private static RecordFormat format(String setting, String text, List<String> found) {
        return RecordFormat.parse(text).orElseGet(() -> {
            found.add(setting + " \"" + text + "\" is not a format; use " + RecordFormat.choices());
            return RecordFormat.JSON;
        });
    }

    private static SchemaChanges parseSchemaChanges(String text, List<String> found) {
        return choice("schema-changes", text, SchemaChanges.values(), SchemaChanges.STOP, found);
    }

    private static Truncate parseTruncate(String text, List<String> found) {
        return choice("truncate", text, Truncate.values(), Truncate.REFUSE, found);
    }

    private static Tombstones parseTombstones(String text, List<String> found) {
        return choice("tombstones", text, Tombstones.values(), Tombstones.IGNORE, found);
    }

    /**
     * The choice of {@code setting} that {@code text} names (its lower-case name, any case); else
     * {@code fallback}, with what to write instead added to {@code found}.
     */
    private static <E extends Enum<E>> E choice(String setting, String text, E[] choices, E fallback,
            List<String> found) {
        List<String> names = new ArrayList<>();
        for (E choice : choices) {
            String name = choice.name().toLowerCase(Locale.ROOT);
            if (name.equalsIgnoreCase(text.trim())) {
                return choice;
            }
            names.add(name);
        }
        found.add(setting + " \"" + text + "\" is not a choice; use "
                + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1));
        return fallback;
    }
}
