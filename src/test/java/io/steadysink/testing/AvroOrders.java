package io.steadysink.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/**
 * An order in Avro with every logical type a route maps (decimal on bytes and fixed, uuid on string
 * and fixed, date, time-millis/micros, timestamp-millis/micros, local-timestamp-millis/micros), an
 * enum, a nullable union, an array, a map, a nested record, bytes and the primitive types; values
 * built in their wire representation (unscaled integers, epoch counts), as a producer sends them.
 */
public final class AvroOrders {

    /** Version 1 of the schema. */
    public static final String SCHEMA = """
            {"type": "record", "name": "Order", "namespace": "shop", "fields": [
              {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "fee", "type": {"type": "fixed", "name": "Fee", "size": 8, "logicalType": "decimal",
                "precision": 10, "scale": 4}},
              {"name": "placed_on", "type": {"type": "int", "logicalType": "date"}},
              {"name": "cutoff_ms", "type": {"type": "int", "logicalType": "time-millis"}},
              {"name": "cutoff_us", "type": {"type": "long", "logicalType": "time-micros"}},
              {"name": "at_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "at_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "local_ms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
              {"name": "local_us", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
              {"name": "ref", "type": {"type": "fixed", "name": "Ref", "size": 16, "logicalType": "uuid"}},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "attrs", "type": {"type": "map", "values": "long"}},
              {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "name", "type": "string"}, {"name": "email", "type": ["null", "string"]}]}},
              {"name": "raw", "type": "bytes"},
              {"name": "qty", "type": "int"}, {"name": "big", "type": "long"}, {"name": "ratio", "type": "double"},
              {"name": "score", "type": "float"}, {"name": "ok", "type": "boolean"}
            ]}""";

    /** Version 2: a field added with a default (a backward-compatible change). */
    public static final String SCHEMA_WITH_COUPON = SCHEMA.replace("""
            {"name": "score", "type": "float"}""", """
            {"name": "coupon", "type": ["null", "string"], "default": null},
            {"name": "score", "type": "float"}""");

    private AvroOrders() {
    }

    public static Schema parse(String schema) {
        return new Schema.Parser().parse(schema);
    }

    /**
     * Order {@code n} of {@code schema} (either version; {@code coupon} set where the schema has it):
     * amount {@code n.50} negated for odd n, fee 1.5000, placed 2026-11-30 plus n days, at
     * 2026-11-30T12:00:00.123456Z plus n seconds.
     */
    public static GenericData.Record order(Schema schema, int n) {
        GenericData.Record customer = new GenericData.Record(schema.getField("customer").schema());
        customer.put("name", "customer " + n);
        customer.put("email", n % 2 == 0 ? null : "c" + n + "@example.org");
        GenericData.Record record = new GenericData.Record(schema);
        record.put("id", id(n).toString());
        record.put("amount", ByteBuffer.wrap(amount(n).unscaledValue().toByteArray()));
        record.put("fee", new GenericData.Fixed(schema.getField("fee").schema(), fixed(BigInteger.valueOf(15_000), 8)));
        record.put("placed_on", (int) LocalDate.of(2026, 11, 30).plusDays(n).toEpochDay());
        record.put("cutoff_ms", (int) (LocalTime.of(13, 30, 5, 123_000_000).toNanoOfDay() / 1_000_000));
        record.put("cutoff_us", LocalTime.of(13, 30, 5, 123_456_000).toNanoOfDay() / 1_000);
        Instant at = Instant.parse("2026-11-30T12:00:00.123456Z").plusSeconds(n);
        record.put("at_ms", at.toEpochMilli());
        record.put("at_us", at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000);
        record.put("local_ms", at.toEpochMilli());
        record.put("local_us", at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000);
        ByteBuffer ref = ByteBuffer.allocate(16).putLong(0x0123456789abcdefL).putLong(n);
        record.put("ref", new GenericData.Fixed(schema.getField("ref").schema(), ref.array()));
        record.put("status",
                new GenericData.EnumSymbol(schema.getField("status").schema(), n % 2 == 0 ? "NEW" : "PAID"));
        record.put("note", n % 3 == 0 ? null : "note " + n);
        record.put("tags", List.of("t" + n, "all"));
        record.put("attrs", Map.of("n", (long) n));
        record.put("customer", customer);
        record.put("raw", ByteBuffer.wrap(new byte[]{0, (byte) 0xff, (byte) n}));
        record.put("qty", n);
        record.put("big", Long.MAX_VALUE - n);
        record.put("ratio", n / 4.0);
        record.put("score", 1.5f);
        record.put("ok", n % 2 == 0);
        if (schema.getField("coupon") != null) {
            record.put("coupon", "COUPON" + n);
        }
        return record;
    }

    public static UUID id(int n) {
        return UUID.fromString("00000000-0000-4000-8000-%012d".formatted(n));
    }

    public static BigDecimal amount(int n) {
        BigDecimal amount = new BigDecimal(n + ".50");
        return n % 2 == 0 ? amount : amount.negate();
    }

    private static byte[] fixed(BigInteger value, int size) {
        byte[] bytes = value.toByteArray();
        byte[] padded = new byte[size];
        System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
        return padded;
    }
}
