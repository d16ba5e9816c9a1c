package io.steadysink.format;

import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeType;

/**
 * What a schema says of the value at a pointer: the JSON types that value can take in the tree a
 * record is read into ({@link JsonNodeType#NULL} among them where the schema allows no value), and
 * how the schema spells the type, for messages ({@code avro long (timestamp-millis)}).
 */
public record FieldTypes(Set<JsonNodeType> types, String described) {

    public FieldTypes {
        types = Set.copyOf(types);
    }

    /** A value the schema does not fix (a map's values under any key, an open object's properties). */
    public static FieldTypes open(String described) {
        return new FieldTypes(Set.of(JsonNodeType.values()), described);
    }
}
