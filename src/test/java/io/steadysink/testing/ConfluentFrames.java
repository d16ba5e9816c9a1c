package io.steadysink.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Records framed exactly as Confluent's serializers frame them: magic byte 0, the schema id as a
 * 4-byte big-endian integer, then the body (Avro binary; Protobuf message indexes and message;
 * JSON text).
 */
public final class ConfluentFrames {

    private ConfluentFrames() {
    }

    /** {@code body} behind the wire format's header naming {@code schemaId}. */
    public static byte[] frame(int schemaId, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(schemaId).put(body).array();
    }

    /** An Avro datum ({@link GenericData} values: records, Utf8 or String, ByteBuffer, ...) as Confluent's KafkaAvroSerializer writes it. */
    public static byte[] avro(int schemaId, Schema schema, Object datum) {
        return frame(schemaId, avroBody(schema, datum));
    }

    /** The Avro binary encoding of {@code datum}, without a header. */
    public static byte[] avroBody(Schema schema, Object datum) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<>(schema, GenericData.get()).write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
