package io.steadysink.sink;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import io.steadysink.config.ColumnSource;
import io.steadysink.config.RouteSpec;
import io.steadysink.format.FieldTypes;
import io.steadysink.format.RecordFormat;
import io.steadysink.format.RecordUnreadable;
import io.steadysink.format.RegisteredSchema;
import io.steadysink.format.WireFormat;
import io.steadysink.sink.InvalidRecordException.Defect;

/**
 * Turns a record into the row a route writes: each column's value found by its source and converted
 * strictly into the column's type ({@link ColumnType}). A record that does not fit is poison, with a
 * reason naming the route, the source, the column and its type, and the JSON type found (never the
 * value).
 */
final class RouteRows {

    private static final ObjectMapper JSON = ColumnType.jsonMapper();

    /**
     * A record as one row: the PostgreSQL text of each column of the route, in its order.
     *
     * @param tombstone whether the record deletes (or marks) the row of its identity
     * @param absent change events: which columns the event has no field for (they take their default);
     *        {@code null} for other routes
     * @param sourceMillis change events: when the source committed the change (epoch milliseconds),
     *        {@code null} when the event does not say and for other routes
     * @param sourceLsn change events: the change's source log position ({@code source.lsn}), {@code null}
     *        when the event does not say and for other routes
     * @param truncate whether the record truncates the table ({@code truncate: allow}); its values are
     *        all {@code null}
     * @param newFields change events: the fields of the changed row that the table has no column for
     *        (the source gained them), each with its Connect schema ({@code MissingNode} without
     *        schemas), in the row's order; empty for other routes and under {@code schema-changes: ignore}
     * @param sources change events: where each value comes from, {@code null} when every value is the
     *        record's own: {@link #OWN}, {@link #UNKNOWN} (the event carries the placeholder of a value
     *        an update left unchanged), or the row offset of an earlier write of the same identity,
     *        topic and partition whose value it took
     */
    record Row(SinkRecord record, String[] values, boolean tombstone, boolean[] absent, Long sourceMillis,
            Long sourceLsn, boolean truncate, Map<String, JsonNode> newFields, long[] sources) {

        /** The value is the record's own. */
        static final long OWN = Long.MIN_VALUE;
        /** The record does not carry the value (a placeholder); no earlier write gave it yet. */
        static final long UNKNOWN = -1;
    }

    /**
     * The prefix of the fields Debezium's {@code ExtractNewRecordState} adds to an unwrapped row
     * ({@code __deleted}, {@code __op}, {@code __source_ts_ms}, ...): about the change, not columns.
     */
    static final String ADDED_FIELDS = "__";

    private final BoundRoute route;
    private final int[] identity;
    /** Change events: whether fields no column takes are looked for (none is left when a column takes the whole row). */
    private final boolean watchesFields;
    /** Change events: the placeholder of a large value an update left unchanged. */
    private final UnavailableValue unavailable;
    /** Change events: their values, each distinct schema parsed once. */
    private final ChangeEventReader events = new ChangeEventReader();
    /** Values and keys read through the schema registry; empty when no route needs it. */
    private final Optional<WireFormat> wire;
    /**
     * Per registry schema id of the values (and of the keys) met by this route: why it does not map
     * onto the table, empty when it does. Judged once per schema, so the check costs a lookup per record.
     */
    private final Map<Integer, Optional<String>> valueMappings = new ConcurrentHashMap<>();
    private final Map<Integer, Optional<String>> keyMappings = new ConcurrentHashMap<>();

    RouteRows(BoundRoute route) {
        this(route, Optional.empty());
    }

    RouteRows(BoundRoute route, Optional<WireFormat> wire) {
        this.route = route;
        this.wire = wire;
        this.unavailable = route.spec().unavailableValue().map(UnavailableValue::new).orElse(null);
        this.identity = route.identity().stream().mapToInt(this::indexOf).toArray();
        this.watchesFields = route.spec().changeEvents()
                && route.spec().schemaChanges() != RouteSpec.SchemaChanges.IGNORE
                && route.columns().stream().noneMatch(column -> column.source() instanceof ColumnSource.Rest
                        || column.source() instanceof ColumnSource.WholeValue);
    }

    private int indexOf(String column) {
        List<MappedColumn> columns = route.columns();
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        throw new IllegalArgumentException("identity column " + column + " is not mapped");
    }

    /** The identity of {@code row}: its identity columns' texts. */
    List<String> identity(Row row) {
        String[] key = new String[identity.length];
        for (int i = 0; i < identity.length; i++) {
            key[i] = row.values()[identity[i]];
        }
        return List.of(key);
    }

    /** @throws InvalidRecordException when the record does not fit the route's table */
    Row row(SinkRecord record) {
        return route.spec().changeEvents() ? changeRow(record) : plainRow(record);
    }

    private Row plainRow(SinkRecord record) {
        JsonNode value = record.isTombstone() ? null : read(record, record.value(), "value");
        JsonNode key = null;
        List<MappedColumn> columns = route.columns();
        String[] values = new String[columns.size()];
        for (int i = 0; i < values.length; i++) {
            MappedColumn column = columns.get(i);
            if (record.isTombstone() && !column.source().availableInTombstones()) {
                continue; // NULL: a tombstone writes only its identity and coordinates
            }
            JsonNode found;
            if (column.source() instanceof ColumnSource.KeyPointer pointer) {
                if (key == null) {
                    key = record.key() == null ? NullNode.getInstance() : read(record, record.key(), "key");
                }
                found = key.at(pointer.pointer());
            } else {
                found = find(record, value, column.source());
            }
            if (found == null || found.isMissingNode()) {
                found = NullNode.getInstance();
            }
            try {
                if (found.isNull() && column.required()) {
                    throw new Unconvertible("no value (missing or JSON null), and the column is part of the"
                            + " identity or NOT NULL without a default");
                }
                values[i] = column.type().toText(found, column.unit());
            } catch (Unconvertible e) {
                throw poison(record, column, e);
            }
        }
        return new Row(record, values, record.isTombstone(), null, null, null, false, Map.of(), null);
    }

    /**
     * A change event as the row it leaves, or a delete of its key's row. A field the event has is
     * written as it is, JSON null as SQL NULL; a field it lacks takes the column's default; a field
     * holding the placeholder of a value an update left unchanged is marked {@link Row#UNKNOWN}.
     */
    private Row changeRow(SinkRecord record) {
        ChangeEvent event;
        boolean truncates = route.spec().truncate() == RouteSpec.Truncate.ALLOW;
        try {
            event = record.isTombstone() ? ChangeEvent.of(null, truncates) : readEvent(record, truncates);
            if (truncates && !event.delete() && event.sourceLsn() == null) {
                throw new Unconvertible("a change event without its source log position (source.lsn, or __lsn of"
                        + " an unwrapped row: ExtractNewRecordState add.fields=lsn), by which truncate: allow"
                        + " orders changes and truncates");
            }
        } catch (Unconvertible e) {
            throw new InvalidRecordException(record, Defect.VALUE_DOES_NOT_FIT, "route " + route.name() + " -> table "
                    + route.table() + ": " + e.getMessage()).onRoute(route.name());
        }
        List<MappedColumn> columns = route.columns();
        String[] values = new String[columns.size()];
        boolean[] absent = new boolean[columns.size()];
        if (event.truncate()) {
            return new Row(record, values, false, absent, event.sourceMillis(), event.sourceLsn(), true, Map.of(),
                    null);
        }
        ConnectStruct key = null;
        long[] sources = null;
        for (int i = 0; i < values.length; i++) {
            MappedColumn column = columns.get(i);
            if (event.delete() && !column.source().availableInTombstones()) {
                continue; // NULL: a delete writes only its identity and coordinates
            }
            try {
                JsonNode found;
                boolean typed = true;
                if (column.source() instanceof ColumnSource.KeyPointer pointer) {
                    if (key == null) {
                        key = readKey(record);
                    }
                    found = key.at(pointer.pointer());
                    typed = key.typed(pointer.pointer());
                } else if (column.source() instanceof ColumnSource.ValuePointer pointer) {
                    if (unavailable != null && unavailable.is(event.row().field(pointer.pointer()))) {
                        if (sources == null) {
                            sources = new long[values.length];
                            Arrays.fill(sources, Row.OWN);
                        }
                        sources[i] = Row.UNKNOWN; // NULL here; the writer fills it from the batch or the table
                        continue;
                    }
                    found = event.row().at(pointer.pointer());
                    typed = event.row().typed(pointer.pointer());
                } else if (column.source() instanceof ColumnSource.WholeValue) {
                    found = event.row().at("");
                } else {
                    found = find(record, event.delete() ? null : event.row().payload(), column.source());
                }
                if (found == null || found.isMissingNode()) {
                    absent[i] = true;
                    if (column.required()) {
                        throw new Unconvertible("no value (the change event has no such field), and the column"
                                + " is part of the identity or NOT NULL without a default");
                    }
                    continue;
                }
                if (found.isNull() && (column.required() || column.notNull())) {
                    throw new Unconvertible("JSON null, and the column is part of the identity or NOT NULL");
                }
                if (!typed && found.isTextual() && column.type().isJson()) {
                    found = jsonText(found);
                }
                values[i] = column.type().toText(found, column.unit());
            } catch (Unconvertible e) {
                throw poison(record, column, e);
            }
        }
        return new Row(record, values, event.delete(), absent, event.sourceMillis(), event.sourceLsn(), false,
                event.delete() || !watchesFields ? Map.of() : newFields(event.row()), sources);
    }

    /** The fields of {@code row} whose name no column of the table has and no value pointer takes. */
    private Map<String, JsonNode> newFields(ConnectStruct row) {
        Map<String, JsonNode> found = null;
        for (Iterator<String> names = row.payload().fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!route.tableColumns().contains(name) && !route.restExcluded().contains(name)
                    && !name.startsWith(ADDED_FIELDS)) {
                if (found == null) {
                    found = new LinkedHashMap<>();
                }
                JsonNode schema = row.schemaOf(name);
                found.put(name, schema == null ? MissingNode.getInstance() : schema);
            }
        }
        return found == null ? Map.of() : found;
    }

    /** Debezium writes a json column as text holding the JSON; without the schema saying so, it is read back. */
    private static JsonNode jsonText(JsonNode text) throws Unconvertible {
        try {
            JsonNode parsed = JSON.readTree(text.textValue());
            if (parsed != null) {
                return parsed;
            }
        } catch (IOException e) {
            // refused below
        }
        throw new Unconvertible("a JSON string that holds no JSON, which a change event's json column is");
    }

    private InvalidRecordException poison(SinkRecord record, MappedColumn column, Unconvertible e) {
        return new InvalidRecordException(record, Defect.VALUE_DOES_NOT_FIT,
                "route " + route.name() + ": " + BoundRoute.describe(column.source()) + " -> column "
                        + column.name() + " (" + column.type().formatted() + "): " + e.getMessage())
                .onRoute(route.name());
    }

    private JsonNode find(SinkRecord record, JsonNode value, ColumnSource source) {
        if (source instanceof ColumnSource.ValuePointer pointer) {
            return value.at(pointer.pointer());
        }
        if (source instanceof ColumnSource.WholeValue) {
            return value;
        }
        if (source instanceof ColumnSource.Rest) {
            if (!(value instanceof ObjectNode object)) {
                return NullNode.getInstance();
            }
            ObjectNode rest = JsonNodeFactory.instance.objectNode();
            object.fields().forEachRemaining(field -> {
                if (!route.restExcluded().contains(field.getKey())) {
                    rest.set(field.getKey(), field.getValue());
                }
            });
            return rest;
        }
        if (source instanceof ColumnSource.KeyText) {
            String key = record.keyText();
            return key == null ? NullNode.getInstance() : TextNode.valueOf(key);
        }
        if (source instanceof ColumnSource.Header header) {
            return header(record, header.name());
        }
        ColumnSource.Kafka kafka = (ColumnSource.Kafka) source;
        return switch (kafka.field()) {
            case TOPIC -> TextNode.valueOf(record.topic());
            case PARTITION -> IntNode.valueOf(record.partition());
            case OFFSET -> LongNode.valueOf(record.rowOffset());
            case TIMESTAMP ->
                record.eventTime() == null ? NullNode.getInstance() : LongNode.valueOf(record.eventTime());
        };
    }

    private JsonNode header(SinkRecord record, String name) {
        Header last = null;
        for (Header header : record.headers()) {
            if (header.key().equals(name)) {
                last = header;
            }
        }
        if (last == null || last.value() == null) {
            return NullNode.getInstance();
        }
        try {
            return TextNode.valueOf(Utf8.decode(last.value()));
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException(record, Defect.VALUE_DOES_NOT_FIT,
                    "route " + route.name() + ": header " + name + " is not valid UTF-8").onRoute(route.name());
        }
    }

    /**
     * The value or key of {@code record} as a tree, read in the route's format for it: JSON text, or
     * through the schema registry (whose schema must map onto the table).
     *
     * @throws io.steadysink.format.RegistryUnavailable when the registry does not answer for a schema
     *         not yet read (transient: the batch is retried)
     */
    private JsonNode read(SinkRecord record, byte[] bytes, String what) {
        RecordFormat format = "value".equals(what) ? route.spec().valueFormat() : route.spec().keyFormat();
        if (!format.registered()) {
            return parse(record, bytes, what);
        }
        WireFormat.Read read;
        try {
            read = wire.orElseThrow(() -> new IllegalStateException("route " + route.name()
                    + " reads the schema registry, which is not configured")).read(bytes, format);
        } catch (RecordUnreadable e) {
            Defect defect = e.reason() == RecordUnreadable.Reason.DOES_NOT_MATCH
                    ? Defect.VALUE_DOES_NOT_MATCH_SCHEMA
                    : e.reason() == RecordUnreadable.Reason.UNKNOWN_SCHEMA
                            ? Defect.UNKNOWN_SCHEMA
                            : Defect.VALUE_NOT_REGISTERED;
            throw new InvalidRecordException(record, defect, "route " + route.name() + ": the " + what + " ("
                    + format.configName() + ") cannot be read: " + e.getMessage()).onRoute(route.name());
        }
        Optional<String> problem = ("value".equals(what) ? valueMappings : keyMappings)
                .computeIfAbsent(read.schemaId(), id -> mappingProblem(read, what));
        if (problem.isPresent()) {
            throw new InvalidRecordException(record, Defect.SCHEMA_DOES_NOT_MAP, problem.get()).onRoute(route.name());
        }
        return read.tree();
    }

    /**
     * Why the schema a value (or key) was read with does not map onto the table: a column taking a
     * field the schema lacks, when the column cannot be NULL (identity, NOT NULL without a default), or
     * a field whose type the column can never take (a type narrowed, a string where a number was).
     */
    private Optional<String> mappingProblem(WireFormat.Read read, String what) {
        RegisteredSchema schema = read.schema();
        List<String> problems = new ArrayList<>();
        for (MappedColumn column : route.columns()) {
            String pointer;
            if ("value".equals(what) && column.source() instanceof ColumnSource.ValuePointer value) {
                pointer = value.pointer();
            } else if ("key".equals(what) && column.source() instanceof ColumnSource.KeyPointer key) {
                pointer = key.pointer();
            } else {
                continue;
            }
            Optional<FieldTypes> field = schema.at(JsonPointer.compile(pointer));
            String named = "field " + (pointer.isEmpty() ? "(the whole " + what + ")" : pointer);
            if (field.isEmpty()) {
                if (column.required()) {
                    problems.add(named + " is not in it, and column " + column.name() + " ("
                            + column.type().formatted() + ") is part of the identity or NOT NULL without a default");
                }
                continue;
            }
            List<String> refused = field.get().types().stream()
                    .filter(type -> type != JsonNodeType.NULL && !column.type().accepts(type, column.unit()))
                    .map(ColumnType::name).sorted().toList();
            if (!refused.isEmpty()) {
                problems.add(named + " is " + field.get().described() + " (a JSON " + String.join(" or ", refused)
                        + " once read), which column " + column.name() + " (" + column.type().formatted()
                        + ") does not take");
            }
        }
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("route " + route.name() + ": the " + what + " schema "
                + wire.orElseThrow().registry().describe(read.schemaId()) + " does not map onto table " + route.table()
                + ": " + String.join("; ", problems));
    }

    private JsonNode parse(SinkRecord record, byte[] bytes, String what) {
        try {
            JsonNode node = JSON.readTree(bytes);
            return node == null ? NullNode.getInstance() : node;
        } catch (IOException e) {
            throw notJson(record, what, e);
        }
    }

    /** The change event of a record that has a value, its schema read once for all events that repeat it. */
    private ChangeEvent readEvent(SinkRecord record, boolean truncates) throws Unconvertible {
        try {
            return events.read(record.value(), truncates);
        } catch (IOException e) {
            throw notJson(record, "value", e);
        }
    }

    /** A change event's key, its schema read once for all keys that repeat it. */
    private ConnectStruct readKey(SinkRecord record) {
        try {
            return events.key(record.key());
        } catch (IOException e) {
            throw notJson(record, "key", e);
        }
    }

    private InvalidRecordException notJson(SinkRecord record, String what, IOException e) {
        Defect defect = "value".equals(what) ? Defect.VALUE_NOT_JSON : Defect.VALUE_DOES_NOT_FIT;
        return new InvalidRecordException(record, defect,
                "route " + route.name() + ": the " + what + " is not JSON: " + firstLine(e.getMessage()))
                .onRoute(route.name());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
