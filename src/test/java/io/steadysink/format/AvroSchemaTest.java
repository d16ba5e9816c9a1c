package io.steadysink.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import io.steadysink.testing.ConfluentFrames;

class AvroSchemaTest {

    static final String ORDER = io.steadysink.testing.AvroOrders.SCHEMA;

    private final Schema schema = new Schema.Parser().parse(ORDER);
    private final RegisteredSchema order = parse(ORDER);

    private static RegisteredSchema parse(String text) {
        try {
            return AvroSchema.parse(text, Map.of());
        } catch (RecordUnreadable e) {
            throw new AssertionError(e);
        }
    }

    private GenericData.Record record() {
        GenericData.Record customer = new GenericData.Record(schema.getField("customer").schema());
        customer.put("name", "Ada");
        customer.put("email", null);
        GenericData.Record record = new GenericData.Record(schema);
        record.put("id", "0b8e5d3c-4c2e-4f6a-9d3b-2f1e0c9a8b7d");
        record.put("amount", ByteBuffer.wrap(BigInteger.valueOf(-123_450).toByteArray()));
        byte[] fee = new byte[8];
        byte[] unscaled = BigInteger.valueOf(15_000).toByteArray();
        System.arraycopy(unscaled, 0, fee, 8 - unscaled.length, unscaled.length);
        record.put("fee", new GenericData.Fixed(schema.getField("fee").schema(), fee));
        record.put("placed_on", (int) LocalDate.of(2026, 11, 30).toEpochDay());
        record.put("cutoff_ms", 13 * 3_600_000 + 30 * 60_000 + 5_123);
        record.put("cutoff_us", 13 * 3_600_000_000L + 30 * 60_000_000L + 5_123_456L);
        record.put("at_ms", Instant.parse("2026-11-30T12:00:00.123Z").toEpochMilli());
        record.put("at_us", Instant.parse("2026-11-30T12:00:00.123456Z").toEpochMilli() * 1000 + 456);
        record.put("local_ms", Instant.parse("1969-12-31T23:59:59.999Z").toEpochMilli());
        record.put("local_us", 1_000_000L);
        byte[] ref = new byte[16];
        ByteBuffer.wrap(ref).putLong(0x0123456789abcdefL).putLong(0x0fedcba987654321L);
        record.put("ref", new GenericData.Fixed(schema.getField("ref").schema(), ref));
        record.put("status", new GenericData.EnumSymbol(schema.getField("status").schema(), "PAID"));
        record.put("note", null);
        record.put("tags", List.of("a", "b"));
        record.put("attrs", Map.of("x", 1L));
        record.put("customer", customer);
        record.put("raw", ByteBuffer.wrap(new byte[]{0, (byte) 0xff}));
        record.put("qty", 3);
        record.put("big", Long.MAX_VALUE);
        record.put("ratio", 0.5);
        record.put("score", 1.5f);
        record.put("ok", true);
        return record;
    }

    private JsonNode read(byte[] body) throws RecordUnreadable {
        return order.read(ByteBuffer.wrap(body));
    }

    @Test
    void everyLogicalTypeReadsAsTheTextOrNumberItsColumnTypeTakes() throws Exception {
        JsonNode tree = read(ConfluentFrames.avroBody(schema, record()));

        assertThat(tree.get("id").textValue()).isEqualTo("0b8e5d3c-4c2e-4f6a-9d3b-2f1e0c9a8b7d");
        assertThat(tree.get("amount").decimalValue()).hasToString("-1234.50");
        assertThat(tree.get("fee").decimalValue()).hasToString("1.5000");
        assertThat(tree.get("placed_on").textValue()).isEqualTo("2026-11-30");
        assertThat(tree.get("cutoff_ms").textValue()).isEqualTo("13:30:05.123");
        assertThat(tree.get("cutoff_us").textValue()).isEqualTo("13:30:05.123456");
        assertThat(tree.get("at_ms").textValue()).isEqualTo("2026-11-30T12:00:00.123Z");
        assertThat(tree.get("at_us").textValue()).isEqualTo("2026-11-30T12:00:00.123456Z");
        assertThat(tree.get("local_ms").textValue()).as("before the epoch, no offset")
                .isEqualTo("1969-12-31T23:59:59.999");
        assertThat(tree.get("local_us").textValue()).as("whole seconds keep their seconds")
                .isEqualTo("1970-01-01T00:00:01");
        assertThat(tree.get("ref").textValue()).isEqualTo("01234567-89ab-cdef-0fed-cba987654321");
    }

    @Test
    void recordsArraysMapsEnumsUnionsAndBytesReadAsTheirJsonCounterparts() throws Exception {
        JsonNode tree = read(ConfluentFrames.avroBody(schema, record()));

        assertThat(tree.get("status").textValue()).isEqualTo("PAID");
        assertThat(tree.get("note").isNull()).isTrue();
        assertThat(tree.get("tags")).hasToString("[\"a\",\"b\"]");
        assertThat(tree.get("attrs")).hasToString("{\"x\":1}");
        assertThat(tree.at("/customer/name").textValue()).isEqualTo("Ada");
        assertThat(tree.at("/customer/email").isNull()).isTrue();
        assertThat(tree.get("raw").textValue()).as("base64").isEqualTo("AP8=");
        assertThat(tree.get("qty").intValue()).isEqualTo(3);
        assertThat(tree.get("big").longValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(tree.get("ratio").doubleValue()).isEqualTo(0.5);
        assertThat(tree.get("score").floatValue()).isEqualTo(1.5f);
        assertThat(tree.get("ok").booleanValue()).isTrue();
    }

    @Test
    void bytesCutShortOrWithBytesLeftOverDoNotMatchTheSchema() {
        byte[] body = ConfluentFrames.avroBody(schema, record());

        assertThatThrownBy(() -> read(Arrays.copyOf(body, body.length - 3))).isInstanceOf(RecordUnreadable.class)
                .extracting(e -> ((RecordUnreadable) e).reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH);
        assertThatThrownBy(() -> read(Arrays.copyOf(body, body.length + 1))).isInstanceOf(RecordUnreadable.class)
                .hasMessageContaining("bytes are left");
    }

    @Test
    void anEnumIndexOrUnionBranchTheSchemaLacksDoesNotMatch() {
        RegisteredSchema union = parse("{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"u\","
                + "\"type\":[\"null\",\"string\"]}]}");

        assertThatThrownBy(() -> union.read(ByteBuffer.wrap(new byte[]{4}))).isInstanceOf(RecordUnreadable.class)
                .hasMessageContaining("no branch 2");
    }

    @Test
    void theSchemaTellsTheJsonTypesEachPointerCanTakeAndWhichFieldsItLacks() {
        assertThat(order.at(JsonPointer.compile("/amount"))).get().satisfies(field -> {
            assertThat(field.types()).containsExactly(JsonNodeType.NUMBER);
            assertThat(field.described()).isEqualTo("avro bytes (decimal(12,2))");
        });
        assertThat(order.at(JsonPointer.compile("/at_ms")).orElseThrow().types()).containsExactly(JsonNodeType.STRING);
        assertThat(order.at(JsonPointer.compile("/note")).orElseThrow().types())
                .isEqualTo(Set.of(JsonNodeType.NULL, JsonNodeType.STRING));
        assertThat(order.at(JsonPointer.compile("/customer/email")).orElseThrow().types())
                .isEqualTo(Set.of(JsonNodeType.NULL, JsonNodeType.STRING));
        assertThat(order.at(JsonPointer.compile("/tags/0")).orElseThrow().types())
                .isEqualTo(Set.of(JsonNodeType.NULL, JsonNodeType.STRING));
        assertThat(order.at(JsonPointer.compile("/attrs/any")).orElseThrow().types())
                .isEqualTo(Set.of(JsonNodeType.NULL, JsonNodeType.NUMBER));
        assertThat(order.at(JsonPointer.compile("/customer")).orElseThrow().types())
                .containsExactly(JsonNodeType.OBJECT);
        assertThat(order.at(JsonPointer.compile("/email"))).isEmpty();
        assertThat(order.at(JsonPointer.compile("/customer/phone"))).isEmpty();
    }

    @Test
    void namedTypesFromReferencedSchemasResolve() throws Exception {
        RegisteredSchema withReference = AvroSchema.parse("""
                {"type": "record", "name": "Shipment", "namespace": "shop", "fields": [
                  {"name": "to", "type": "shop.Address"}]}""", Map.of("shop.Address", """
                {"type": "record", "name": "Address", "namespace": "shop", "fields": [
                  {"name": "city", "type": "string"}]}"""));

        assertThat(withReference.read(ByteBuffer.wrap(new byte[]{6, 'R', 'i', 'o'})).at("/to/city").textValue())
                .isEqualTo("Rio");
    }

    @Test
    void aSchemaThatIsNoAvroSchemaIsUnreadable() {
        assertThatThrownBy(() -> AvroSchema.parse("{\"type\": \"record\", \"name\": \"X\"}", Map.of()))
                .isInstanceOf(RecordUnreadable.class)
                .extracting(e -> ((RecordUnreadable) e).reason()).isEqualTo(RecordUnreadable.Reason.SCHEMA_UNREADABLE);
    }
}
