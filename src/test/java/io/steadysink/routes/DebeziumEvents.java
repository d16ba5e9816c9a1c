package io.steadysink.routes;

import java.math.BigInteger;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Debezium change events of one captured table as Kafka Connect's {@code JsonConverter} writes them:
 * with {@code schemas.enable=true} each key and value is {@code {"schema":…,"payload":…}}, without it
 * the payload alone; the value is the envelope ({@code before}, {@code after}, {@code source},
 * {@code op}, {@code ts_ms}) or, after {@code ExtractNewRecordState}, the row itself.
 */
final class DebeziumEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String server;
    private final String schema;
    private final String table;
    private final List<ObjectNode> keyFields;
    private final List<ObjectNode> fields;
    private final boolean schemas;

    /**
     * @param keyFields the field schemas of the primary key, e.g. {@code field("id", "int32")}
     * @param fields the field schemas of a row, the key's fields among them
     */
    DebeziumEvents(String server, String schema, String table, List<ObjectNode> keyFields, List<ObjectNode> fields,
            boolean schemas) {
        this.server = server;
        this.schema = schema;
        this.table = table;
        this.keyFields = keyFields;
        this.fields = fields;
        this.schemas = schemas;
    }

    /** The same table's events with {@code schemas.enable} set to {@code enabled}. */
    DebeziumEvents withSchemas(boolean enabled) {
        return new DebeziumEvents(server, schema, table, keyFields, fields, enabled);
    }

    /** A field's schema: a Connect type ({@code int32}, {@code string}, {@code bytes}, ...). */
    static ObjectNode field(String name, String type) {
        ObjectNode field = NODES.objectNode();
        field.put("type", type);
        field.put("optional", true);
        field.put("field", name);
        return field;
    }

    /** A field's schema with a logical type ({@code name}) and its parameters. */
    static ObjectNode logical(String name, String type, String logicalName, String... parameters) {
        ObjectNode field = field(name, type);
        field.put("name", logicalName);
        field.put("version", 1);
        if (parameters.length > 0) {
            ObjectNode params = field.putObject("parameters");
            for (int i = 0; i < parameters.length; i += 2) {
                params.put(parameters[i], parameters[i + 1]);
            }
        }
        return field;
    }

    /** An array field whose elements have the schema {@code items}. */
    static ObjectNode array(String name, ObjectNode items) {
        ObjectNode field = field(name, "array");
        field.set("items", items.deepCopy().without("field"));
        return field;
    }

    /** A struct field ({@code io.debezium.data.VariableScaleDecimal} is one). */
    static ObjectNode struct(String name, String logicalName, ObjectNode... fields) {
        ObjectNode field = field(name, "struct");
        field.putArray("fields").addAll(List.of(fields));
        if (logicalName != null) {
            field.put("name", logicalName);
        }
        return field;
    }

    /** An object of alternating names and values (Java values; {@link JsonNode}s as they are). */
    static ObjectNode row(Object... namesAndValues) {
        ObjectNode row = NODES.objectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            row.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
        }
        return row;
    }

    /** A Connect {@code Decimal}: the two's-complement big-endian bytes of the unscaled value, base64. */
    static String decimal(long unscaled) {
        return Base64.getEncoder().encodeToString(BigInteger.valueOf(unscaled).toByteArray());
    }

    /** The Kafka key: the primary key's fields. */
    String key(Object... namesAndValues) {
        return text(wrap(struct(null, server + "." + schema + "." + table + ".Key",
                keyFields.toArray(ObjectNode[]::new)), row(namesAndValues)));
    }

    String create(ObjectNode after) {
        return envelope("c", null, after);
    }

    String read(ObjectNode after) {
        return envelope("r", null, after);
    }

    String update(ObjectNode before, ObjectNode after) {
        return envelope("u", before, after);
    }

    String delete(ObjectNode before) {
        return envelope("d", before, null);
    }

    String truncate() {
        ObjectNode payload = NODES.objectNode();
        payload.putNull("before");
        payload.putNull("after");
        payload.set("source", source());
        payload.put("op", "t");
        payload.put("ts_ms", 1_767_225_600_000L);
        return text(wrap(envelopeSchema(), payload));
    }

    /** The envelope of a row change. */
    String envelope(String op, ObjectNode before, ObjectNode after) {
        ObjectNode payload = NODES.objectNode();
        payload.set("before", before);
        payload.set("after", after);
        payload.set("source", source());
        payload.put("op", op);
        payload.put("ts_ms", 1_767_225_600_000L);
        payload.putNull("transaction");
        return text(wrap(envelopeSchema(), payload));
    }

    /** The row as {@code ExtractNewRecordState} leaves it; {@code __deleted} when given. */
    String unwrapped(ObjectNode row, String deleted) {
        ObjectNode payload = row.deepCopy();
        ObjectNode rowSchema = rowSchema();
        if (deleted != null) {
            payload.put("__deleted", deleted);
            ((com.fasterxml.jackson.databind.node.ArrayNode) rowSchema.get("fields"))
                    .add(field("__deleted", "string"));
        }
        return text(wrap(rowSchema, payload));
    }

    private ObjectNode rowSchema() {
        return struct(null, server + "." + schema + "." + table + ".Value", fields.toArray(ObjectNode[]::new));
    }

    private ObjectNode envelopeSchema() {
        ObjectNode before = rowSchema();
        before.put("field", "before");
        ObjectNode after = rowSchema();
        after.put("field", "after");
        ObjectNode source = struct("source", "io.debezium.connector.postgresql.Source",
                field("connector", "string"), field("name", "string"), field("schema", "string"),
                field("table", "string"), logical("ts_ms", "int64", "io.debezium.time.Timestamp"));
        ObjectNode op = field("op", "string");
        op.put("optional", false);
        ObjectNode envelope = struct(null, server + "." + schema + "." + table + ".Envelope", before, after, source,
                op, field("ts_ms", "int64"), struct("transaction", null, field("id", "string")));
        envelope.remove("field");
        envelope.put("optional", false);
        return envelope;
    }

    private ObjectNode source() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("connector", "postgresql");
        source.put("name", server);
        source.put("schema", schema);
        source.put("table", table);
        source.put("ts_ms", 1_767_225_600_000L);
        return JSON.valueToTree(source);
    }

    private JsonNode wrap(ObjectNode schemaNode, JsonNode payload) {
        if (!schemas) {
            return payload;
        }
        ObjectNode wrapped = NODES.objectNode();
        ObjectNode plain = schemaNode.deepCopy();
        plain.remove("field");
        wrapped.set("schema", plain);
        wrapped.set("payload", payload);
        return wrapped;
    }

    private static String text(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
