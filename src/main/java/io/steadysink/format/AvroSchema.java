package io.steadysink.format;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An Avro schema: reads Avro binary (the writer's schema, as the registry holds it) straight into
 * the JSON tree {@link RegisteredSchema} describes, logical types included: {@code decimal} (bytes
 * or fixed) as a number of its scale, {@code uuid} as text, {@code date}, {@code time-millis},
 * {@code time-micros}, {@code timestamp-millis|micros|nanos} (instants, {@code Z}) and
 * {@code local-timestamp-millis|micros|nanos} (without an offset) as ISO-8601 text.
 */
final class AvroSchema implements RegisteredSchema {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final DateTimeFormatter LOCAL_DATE_TIME = DateTimeFormatter.ISO_LOCAL_DATE_TIME;
    private static final long NANOS_PER_DAY = 86_400_000_000_000L;

    private final Schema schema;

    private AvroSchema(Schema schema) {
        this.schema = schema;
    }

    static RegisteredSchema parse(String text, Map<String, String> references) throws RecordUnreadable {
        try {
            Schema.Parser parser = new Schema.Parser();
            List<String> referred = new ArrayList<>(references.values());
            for (int i = referred.size() - 1; i >= 0; i--) {
                parser.parse(referred.get(i));
            }
            return new AvroSchema(parser.parse(text));
        } catch (AvroRuntimeException e) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "not an Avro schema steady-sink can parse: " + e.getMessage(), e);
        }
    }

    @Override
    public RecordFormat format() {
        return RecordFormat.AVRO;
    }

    @Override
    public JsonNode read(ByteBuffer body) throws RecordUnreadable {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(body.array(), body.arrayOffset() + body.position(),
                body.remaining(), null);
        try {
            JsonNode tree = value(schema, decoder);
            if (!decoder.isEnd()) {
                throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH,
                        "bytes are left after the value the schema describes");
            }
            return tree;
        } catch (IOException | AvroRuntimeException | ArithmeticException | java.time.DateTimeException
                | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH, "Avro binary that does not read as "
                    + "the schema says (" + e.getClass().getSimpleName() + (e.getMessage() == null
                            ? ""
                            : ": " + e.getMessage())
                    + ")", e);
        }
    }

    private static JsonNode value(Schema schema, BinaryDecoder in) throws IOException, RecordUnreadable {
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case NULL :
                in.readNull();
                return NullNode.getInstance();
            case BOOLEAN :
                return NODES.booleanNode(in.readBoolean());
            case INT : {
                int value = in.readInt();
                if (logical instanceof LogicalTypes.Date) {
                    return NODES.textNode(LocalDate.ofEpochDay(value).toString());
                }
                if (logical instanceof LogicalTypes.TimeMillis) {
                    return NODES.textNode(timeOfDay(value * 1_000_000L));
                }
                return NODES.numberNode(value);
            }
            case LONG : {
                long value = in.readLong();
                return logical == null ? NODES.numberNode(value) : longLogical(logical, value);
            }
            case FLOAT :
                return NODES.numberNode(in.readFloat());
            case DOUBLE :
                return NODES.numberNode(in.readDouble());
            case STRING :
                return NODES.textNode(in.readString());
            case BYTES : {
                ByteBuffer bytes = in.readBytes(null);
                byte[] array = new byte[bytes.remaining()];
                bytes.get(array);
                return bytesValue(logical, array);
            }
            case FIXED : {
                byte[] array = new byte[schema.getFixedSize()];
                in.readFixed(array);
                if (logical == null || !"uuid".equals(logical.getName()) || array.length != 16) {
                    return bytesValue(logical, array);
                }
                ByteBuffer uuid = ByteBuffer.wrap(array);
                return NODES.textNode(new java.util.UUID(uuid.getLong(), uuid.getLong()).toString());
            }
            case ENUM : {
                int index = in.readEnum();
                List<String> symbols = schema.getEnumSymbols();
                if (index < 0 || index >= symbols.size()) {
                    throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH,
                            "enum " + schema.getFullName() + " has no symbol " + index);
                }
                return NODES.textNode(symbols.get(index));
            }
            case ARRAY : {
                ArrayNode array = NODES.arrayNode();
                for (long n = in.readArrayStart(); n != 0; n = in.arrayNext()) {
                    for (long i = 0; i < n; i++) {
                        array.add(value(schema.getElementType(), in));
                    }
                }
                return array;
            }
            case MAP : {
                ObjectNode map = NODES.objectNode();
                for (long n = in.readMapStart(); n != 0; n = in.mapNext()) {
                    for (long i = 0; i < n; i++) {
                        String key = in.readString();
                        map.set(key, value(schema.getValueType(), in));
                    }
                }
                return map;
            }
            case UNION : {
                int branch = in.readIndex();
                List<Schema> types = schema.getTypes();
                if (branch < 0 || branch >= types.size()) {
                    throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH,
                            "a union of " + types.size() + " branches has no branch " + branch);
                }
                return value(types.get(branch), in);
            }
            case RECORD : {
                ObjectNode record = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    record.set(field.name(), value(field.schema(), in));
                }
                return record;
            }
            default :
                throw new IllegalStateException("Avro type " + schema.getType());
        }
    }

    private static JsonNode longLogical(LogicalType logical, long value) throws RecordUnreadable {
        if (logical instanceof LogicalTypes.TimeMicros) {
            return NODES.textNode(timeOfDay(Math.multiplyExact(value, 1_000L)));
        }
        if (logical instanceof LogicalTypes.TimestampMillis) {
            return NODES.textNode(Instant.ofEpochMilli(value).toString());
        }
        if (logical instanceof LogicalTypes.TimestampMicros) {
            return NODES.textNode(Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L),
                    Math.floorMod(value, 1_000_000L) * 1_000L).toString());
        }
        if (logical instanceof LogicalTypes.TimestampNanos) {
            return NODES.textNode(Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L),
                    Math.floorMod(value, 1_000_000_000L)).toString());
        }
        if (logical instanceof LogicalTypes.LocalTimestampMillis) {
            return local(Math.floorDiv(value, 1_000L), Math.floorMod(value, 1_000L) * 1_000_000L);
        }
        if (logical instanceof LogicalTypes.LocalTimestampMicros) {
            return local(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
        }
        if (logical instanceof LogicalTypes.LocalTimestampNanos) {
            return local(Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
        }
        return NODES.numberNode(value);
    }

    private static JsonNode local(long seconds, long nanos) {
        return NODES
                .textNode(LOCAL_DATE_TIME.format(LocalDateTime.ofEpochSecond(seconds, (int) nanos, ZoneOffset.UTC)));
    }

    private static String timeOfDay(long nanos) throws RecordUnreadable {
        if (nanos < 0 || nanos >= NANOS_PER_DAY) {
            throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH,
                    "a time of day outside 00:00 to 24:00");
        }
        return DateTimeFormatter.ISO_LOCAL_TIME.format(LocalTime.ofNanoOfDay(nanos));
    }

    private static JsonNode bytesValue(LogicalType logical, byte[] bytes) {
        if (logical instanceof LogicalTypes.Decimal decimal) {
            return NODES.numberNode(new BigDecimal(bytes.length == 0 ? BigInteger.ZERO : new BigInteger(bytes),
                    decimal.getScale()));
        }
        return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
    }

    @Override
    public Optional<FieldTypes> at(JsonPointer pointer) {
        return at(schema, pointer, false);
    }

    private static Optional<FieldTypes> at(Schema schema, JsonPointer pointer, boolean nullable) {
        if (pointer.matches()) {
            Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
            types(schema, types);
            if (nullable) {
                types.add(JsonNodeType.NULL);
            }
            return Optional.of(new FieldTypes(types, "avro " + describe(schema)));
        }
        switch (schema.getType()) {
            case RECORD : {
                Schema.Field field = schema.getField(pointer.getMatchingProperty());
                return field == null ? Optional.empty() : at(field.schema(), pointer.tail(), nullable);
            }
            case MAP :
                return at(schema.getValueType(), pointer.tail(), true);
            case ARRAY :
                return pointer.getMatchingIndex() < 0
                        ? Optional.empty()
                        : at(schema.getElementType(), pointer.tail(), true);
            case UNION : {
                boolean hasNull = schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
                Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
                List<String> described = new ArrayList<>();
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    Optional<FieldTypes> found = at(branch, pointer, nullable || hasNull);
                    found.ifPresent(f -> {
                        types.addAll(f.types());
                        described.add(f.described());
                    });
                }
                return types.isEmpty()
                        ? Optional.empty()
                        : Optional.of(new FieldTypes(types, String.join(" or ", described)));
            }
            default :
                return Optional.empty();
        }
    }

    private static void types(Schema schema, Set<JsonNodeType> types) {
        LogicalType logical = schema.getLogicalType();
        switch (schema.getType()) {
            case NULL -> types.add(JsonNodeType.NULL);
            case BOOLEAN -> types.add(JsonNodeType.BOOLEAN);
            case INT, LONG -> types.add(logical == null || logical instanceof LogicalTypes.Decimal
                    ? JsonNodeType.NUMBER
                    : JsonNodeType.STRING);
            case FLOAT, DOUBLE -> types.add(JsonNodeType.NUMBER);
            case STRING, ENUM -> types.add(JsonNodeType.STRING);
            case BYTES, FIXED -> types.add(logical instanceof LogicalTypes.Decimal
                    ? JsonNodeType.NUMBER
                    : JsonNodeType.STRING);
            case ARRAY -> types.add(JsonNodeType.ARRAY);
            case MAP, RECORD -> types.add(JsonNodeType.OBJECT);
            case UNION -> schema.getTypes().forEach(branch -> types(branch, types));
        }
    }

    private static String describe(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            return schema.getTypes().stream().map(AvroSchema::describe).collect(Collectors.joining(", ", "[", "]"));
        }
        String name = switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getType().getName() + " " + schema.getFullName();
            default -> schema.getType().getName();
        };
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal decimal) {
            return name + " (decimal(" + decimal.getPrecision() + "," + decimal.getScale() + "))";
        }
        return logical == null ? name : name + " (" + logical.getName() + ")";
    }
}
