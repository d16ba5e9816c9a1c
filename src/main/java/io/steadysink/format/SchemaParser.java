package io.steadysink.format;

import java.util.Map;

/** Parses the schemas of one format as the registry serves them. */
@FunctionalInterface
public interface SchemaParser {

    /**
     * @param schema the schema's text ({@code schema} of the registry's answer)
     * @param references the schemas it refers to, by the name it refers to them with (an Avro type's
     *        full name, a Protobuf import path), references of references included
     * @throws RecordUnreadable ({@link RecordUnreadable.Reason#SCHEMA_UNREADABLE}) when it cannot be parsed
     */
    RegisteredSchema parse(String schema, Map<String, String> references) throws RecordUnreadable;
}
