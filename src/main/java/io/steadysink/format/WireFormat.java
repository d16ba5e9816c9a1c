package io.steadysink.format;

import java.nio.ByteBuffer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads records in the Confluent wire format: magic byte {@code 0}, the schema id as a 4-byte
 * big-endian integer, then the body in the schema's format. The schema comes from the registry (once
 * per id) and must be of the format the route reads.
 */
public final class WireFormat {

    /** Bytes before the body. */
    public static final int HEADER = 5;

    private final SchemaRegistry registry;

    public WireFormat(SchemaRegistry registry) {
        this.registry = registry;
    }

    /** A record read: its tree, and the schema it was written with. */
    public record Read(JsonNode tree, int schemaId, RegisteredSchema schema) {
    }

    public SchemaRegistry registry() {
        return registry;
    }

    /**
     * @throws RecordUnreadable the bytes are not framed, name an unknown schema or one of another
     *         format, or do not match their schema
     * @throws RegistryUnavailable the registry did not answer (only for a schema not yet read)
     */
    public Read read(byte[] bytes, RecordFormat format) throws RecordUnreadable, RegistryUnavailable {
        int id = schemaId(bytes);
        RegisteredSchema schema = registry.schema(id);
        if (schema.format() != format) {
            throw new RecordUnreadable(RecordUnreadable.Reason.OTHER_FORMAT, "schema id " + id + " is "
                    + schema.format().configName() + ", and the route reads " + format.configName());
        }
        try {
            return new Read(schema.read(ByteBuffer.wrap(bytes, HEADER, bytes.length - HEADER).slice()), id, schema);
        } catch (RecordUnreadable e) {
            throw new RecordUnreadable(e.reason(), "the bytes do not match schema id " + id + ": " + e.getMessage(),
                    e.getCause());
        }
    }

    /** The schema id of a framed record. */
    public static int schemaId(byte[] bytes) throws RecordUnreadable {
        if (bytes.length < HEADER || bytes[0] != 0) {
            throw new RecordUnreadable(RecordUnreadable.Reason.NOT_FRAMED, bytes.length < HEADER
                    ? "it has " + bytes.length + " bytes, fewer than the 5 of the schema registry's wire format header"
                    : "it does not start with the schema registry wire format's magic byte 0 (it starts with 0x"
                            + String.format("%02x", bytes[0] & 0xff) + "; written without the registry's serializer?)");
        }
        return ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff);
    }
}
