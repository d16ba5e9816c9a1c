package io.steadysink.sink;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * The row or the key of a change event: its fields, and their Connect schemas when the event
 * carries them ({@code schemas.enable=true}). A JSON Pointer's first token names a field, which
 * {@link ConnectValue} turns into what its schema means before the rest of the pointer applies.
 */
final class ConnectStruct {

    private final JsonNode payload;
    private final JsonNode schema;
    private final Map<String, JsonNode> fields;

    ConnectStruct(JsonNode payload, JsonNode schema) {
        this(payload, schema, ConnectValue.fields(schema));
    }

    /** @param fields {@link ConnectValue#fields(JsonNode)} of {@code schema}, made once for many structs */
    ConnectStruct(JsonNode payload, JsonNode schema, Map<String, JsonNode> fields) {
        this.payload = payload == null ? MissingNode.getInstance() : payload;
        this.schema = schema;
        this.fields = fields;
    }

    /** {@code json} as JsonConverter writes it: {@code {"schema":…,"payload":…}} with schemas, else the payload. */
    static ConnectStruct unwrap(JsonNode json) {
        if (isWrapped(json)) {
            return new ConnectStruct(json.get("payload"), json.get("schema"));
        }
        return new ConnectStruct(json, null);
    }

    /** JsonConverter's form with schemas: an object of exactly {@code schema} and {@code payload}. */
    static boolean isWrapped(JsonNode json) {
        return json != null && json.isObject() && json.size() == 2 && json.has("schema") && json.has("payload");
    }

    JsonNode payload() {
        return payload;
    }

    /** The struct's schema; {@code null} without schemas. */
    JsonNode schema() {
        return schema;
    }

    /** The Connect schema of the field {@code name}; {@code null} when the event carries none. */
    JsonNode schemaOf(String name) {
        return fields.get(name);
    }

    /** The value at {@code pointer}, its first token's field turned by its schema; missing when absent. */
    JsonNode at(String pointer) throws Unconvertible {
        if (pointer.isEmpty()) {
            return schema == null ? payload : ConnectValue.normalise(schema, payload);
        }
        String field = BoundRoute.firstToken(pointer);
        JsonNode value = payload.get(field);
        if (value == null) {
            return MissingNode.getInstance();
        }
        JsonNode normalised = ConnectValue.normalise(fields.get(field), value);
        int next = pointer.indexOf('/', 1);
        return next < 0 ? normalised : normalised.at(pointer.substring(next));
    }

    /** The field a pointer of one token names, as written (no schema applied); {@code null} for other pointers or none. */
    JsonNode field(String pointer) {
        return pointer.isEmpty() || pointer.indexOf('/', 1) >= 0 ? null : payload.get(BoundRoute.firstToken(pointer));
    }

    /** Whether the event carries the schema of the field {@code pointer} starts with. */
    boolean typed(String pointer) {
        return fields.containsKey(BoundRoute.firstToken(pointer));
    }
}
