package io.steadysink.format;

import java.nio.ByteBuffer;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A schema as the registry serves it, parsed: reads the records written with it into the JSON tree
 * that routes address with JSON Pointers and convert strictly into column types. Every format reads
 * alike:
 * <ul>
 * <li>records and messages as objects keyed by field name, arrays as arrays, maps as objects (keys as
 * text); a union (or a oneof) as the value of the branch it holds; no value as JSON null;</li>
 * <li>integers and floating-point numbers as numbers, decimals as numbers with their schema's scale
 * (never a double);</li>
 * <li>strings, enum symbols and uuids as strings; bytes and fixed as base64 strings;</li>
 * <li>dates as {@code yyyy-MM-dd}, times of day as {@code HH:mm:ss[.fraction]}, instants as ISO-8601
 * with {@code Z}, local date-times as ISO-8601 without an offset, durations as ISO-8601
 * ({@code PT1.5S}): the strings the column types read, so the conversion stays strict.</li>
 * </ul>
 * Implementations are immutable and used by many threads at once.
 */
public interface RegisteredSchema {

    RecordFormat format();

    /**
     * Reads one record's body: the bytes after the wire format's 5-byte header (for Protobuf, its
     * message indexes come first).
     *
     * @throws RecordUnreadable when the bytes do not match this schema
     *         ({@link RecordUnreadable.Reason#DOES_NOT_MATCH})
     */
    JsonNode read(ByteBuffer body) throws RecordUnreadable;

    /**
     * What the schema says of the value at {@code pointer} of a record read with it: empty when the
     * schema has no such field (it was removed, or never was); {@link FieldTypes#open} where the
     * schema cannot tell (a map key, an array index, an object open to any property).
     */
    Optional<FieldTypes> at(JsonPointer pointer);
}
