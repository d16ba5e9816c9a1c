package io.steadysink.sink;

import java.util.Collections;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The Connect schema of a change event's value ({@code {"schema":…}} as {@code JsonConverter} writes it),
 * with the lookups a {@link ConnectStruct} needs made once: the fields of the value (an unwrapped row),
 * and the schema and fields of the envelope's {@code after}. Never changed once made, so one instance
 * serves every event that carries the same schema, on any thread.
 *
 * @param schema the value's schema as written (a JSON null where the value says {@code "schema":null})
 * @param fields the schemas of the value's fields by name (an unwrapped row's columns; the envelope's
 *        {@code before}, {@code after}, {@code source}, ...)
 * @param after the schema of the envelope's {@code after}; {@code null} when the value has no such field
 * @param afterFields the schemas of {@code after}'s fields by name (empty without {@code after})
 */
record ChangeEventSchema(JsonNode schema, Map<String, JsonNode> fields, JsonNode after,
        Map<String, JsonNode> afterFields) {

    /** The lookups of {@code schema} (a value's Connect schema; {@code null} when there is none). */
    static ChangeEventSchema of(JsonNode schema) {
        Map<String, JsonNode> fields = Collections.unmodifiableMap(ConnectValue.fields(schema));
        JsonNode after = fields.get("after");
        return new ChangeEventSchema(schema, fields, after, Collections.unmodifiableMap(ConnectValue.fields(after)));
    }
}
