package io.steadysink.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.steadysink.config.QualifiedTable;
import io.steadysink.config.RouteSpec;

/**
 * The table of a {@code change-events} route as its change events describe it, for
 * {@code schema-changes: add} to create when it does not exist: a column for each field of the first
 * changed row's schema ({@code NOT NULL} where the schema says the field is not optional), typed by
 * {@link ConnectSqlType}; the key's fields as the primary key (Debezium's key is the source table's
 * primary key); the coordinate columns of the ordering guard; the deleted column under
 * {@code tombstones: mark}; and columns the route maps under {@code columns:} with a type under
 * {@code types:}. Without a changed row (a batch of deletes), the key's fields alone: the columns
 * follow as the rows' fields arrive.
 */
final class EventTable {

    private static final ObjectMapper JSON = ColumnType.jsonMapper();

    private EventTable() {
    }

    /**
     * {@code CREATE TABLE IF NOT EXISTS} for {@code spec}'s table from the first key schema and the
     * first changed row's schema among {@code records}.
     *
     * @throws TableChangeRequired when the records carry no key schema, or a field's type cannot be told
     */
    static String create(RouteSpec spec, List<SinkRecord> records) throws TableChangeRequired {
        JsonNode keySchema = null;
        JsonNode rowSchema = null;
        for (SinkRecord record : records) {
            if (keySchema == null) {
                keySchema = structSchema(parse(record.key()));
            }
            if (rowSchema == null && !record.isTombstone()) {
                try {
                    ChangeEvent event = ChangeEvent.of(parse(record.value()), false);
                    if (!event.delete() && event.row().schema() != null) {
                        rowSchema = event.row().schema();
                    }
                } catch (Unconvertible e) {
                    // not a row change: poison at the write
                }
            }
            if (keySchema != null && rowSchema != null) {
                break;
            }
        }
        String prefix = "route " + spec.name() + ": table " + spec.table()
                + " does not exist, and schema-changes: add creates it from the change events' schemas, ";
        if (keySchema == null) {
            throw new TableChangeRequired(prefix + "but their keys carry none (set key.converter.schemas.enable=true"
                    + " on the connector), or create the table yourself with the source table's primary key; its"
                    + " writes wait (retried) until the table exists");
        }
        Map<String, String> columns = new LinkedHashMap<>();
        List<String> untyped = new ArrayList<>();
        Set<String> key = new LinkedHashSet<>();
        for (JsonNode field : keySchema.path("fields")) {
            key.add(field.path("field").asText());
        }
        if (rowSchema != null) {
            for (JsonNode field : rowSchema.path("fields")) {
                addColumn(columns, untyped, field, key);
            }
        }
        for (JsonNode field : keySchema.path("fields")) {
            if (!columns.containsKey(field.path("field").asText())) {
                addColumn(columns, untyped, field, key);
            }
        }
        spec.columns().keySet().forEach(column -> {
            String declared = spec.types().get(column);
            if (declared != null) {
                columns.putIfAbsent(column, declared.trim());
            }
        });
        BoundRoute.addKeptColumns(spec, columns);
        List<String> definitions = new ArrayList<>();
        columns.forEach((column, type) -> definitions.add(QualifiedTable.quote(column) + " " + type));
        definitions.add("PRIMARY KEY (" + String.join(", ", key.stream().map(QualifiedTable::quote).toList()) + ")");
        String create = "CREATE TABLE IF NOT EXISTS " + spec.table().sql() + " (" + String.join(", ", definitions)
                + ");";
        if (!untyped.isEmpty()) {
            throw new TableChangeRequired(prefix + "but it cannot tell the column type of " + String.join(", ", untyped)
                    + "; its writes wait (retried) until the table exists: choose the types (<type>) and run "
                    + create);
        }
        return create;
    }

    private static void addColumn(Map<String, String> columns, List<String> untyped, JsonNode field,
            Set<String> key) {
        String name = field.path("field").asText();
        Optional<String> type = ConnectSqlType.of(field);
        if (type.isEmpty()) {
            untyped.add(name + " (" + describe(field) + ")");
        }
        boolean notNull = !key.contains(name) && !field.path("optional").asBoolean(true);
        columns.put(name, type.orElse("<type>") + (notNull ? " NOT NULL" : ""));
    }

    /** A field's Connect schema as reasons name it: its logical type, else its type; or that it has none. */
    static String describe(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return "no schema: the events are written without schemas";
        }
        String name = schema.path("name").asText("");
        String type = schema.path("type").asText("");
        if (type.equals("array") && name.isEmpty()) {
            return "array of " + describe(schema.get("items"));
        }
        return name.isEmpty() ? type : name;
    }

    /** The struct schema of a JsonConverter document with schemas; {@code null} without. */
    private static JsonNode structSchema(JsonNode json) {
        if (!ConnectStruct.isWrapped(json)) {
            return null;
        }
        JsonNode schema = json.get("schema");
        return schema.path("type").asText("").equals("struct") && schema.path("fields").size() > 0 ? schema : null;
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return null; // poison at the write
        }
    }
}
