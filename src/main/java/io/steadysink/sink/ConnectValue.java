package io.steadysink.sink;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A value of a change event, as Kafka Connect's {@code JsonConverter} wrote it, turned by its Connect
 * schema into the JSON that {@link ColumnType} converts: a {@code Decimal} (base64 of the unscaled
 * two's-complement big-endian bytes, {@code scale} in the parameters) or Debezium's
 * {@code VariableScaleDecimal} becomes an exact JSON number; dates (days since 1970), times
 * (milli-, micro-, nanoseconds since midnight) and timestamps (milli-, micro-, nanoseconds since 1970,
 * a local date-time read as UTC) become ISO-8601 strings, so the column's type judges them as it
 * judges any ISO-8601 string (a timestamp without zone never lands in a {@code timestamptz} column by
 * a guess); Debezium's {@code Json} (text holding JSON) becomes that JSON; arrays and structs are
 * turned element by element; {@code MicroDuration} becomes an ISO-8601 duration of days and seconds;
 * what the connector writes for PostgreSQL's {@code infinity} and {@code -infinity} dates and
 * timestamps becomes a marker only date and timestamp columns take. Everything else (strings,
 * numbers, booleans, base64 bytes, {@code ZonedTimestamp}, {@code ZonedTime}, {@code Interval},
 * {@code Uuid}, {@code Enum}) stays as written. Nothing is rounded here.
 */
final class ConnectValue {

    private static final ObjectMapper JSON = ColumnType.jsonMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SCALE = Pattern.compile("-?\\d{1,9}");

    /** Logical type name to how many of its units make a second (dates and times). */
    private static final Map<String, Long> TIMES = Map.of("org.apache.kafka.connect.data.Time", 1_000L,
            "io.debezium.time.Time", 1_000L, "io.debezium.time.MicroTime", 1_000_000L, "io.debezium.time.NanoTime",
            1_000_000_000L);
    private static final Map<String, Long> TIMESTAMPS = Map.of("org.apache.kafka.connect.data.Timestamp", 1_000L,
            "io.debezium.time.Timestamp", 1_000L, "io.debezium.time.MicroTimestamp", 1_000_000L,
            "io.debezium.time.NanoTimestamp", 1_000_000_000L);

    /**
     * Logical type to the numbers Debezium's PostgreSQL connector writes for infinity and -infinity
     * (none: the text {@code infinity} / {@code -infinity}).
     */
    private static final Map<String, Long[]> INFINITIES = Map.of("io.debezium.time.Date",
            new Long[]{-2_147_472_692L, -2_147_472_691L}, "io.debezium.time.Timestamp",
            new Long[]{9_223_372_036_825_200L, -9_223_372_036_832_400L}, "io.debezium.time.MicroTimestamp",
            new Long[]{9_223_372_036_825_200_000L, -9_223_372_036_832_400_000L}, "io.debezium.time.ZonedTimestamp",
            new Long[0]);

    private ConnectValue() {
    }

    /**
     * {@code value} as its {@code schema} (a Connect schema as JsonConverter writes it) means it.
     *
     * @throws Unconvertible when the value is not what its schema says (the reason names the logical
     *         type, never the value)
     */
    static JsonNode normalise(JsonNode schema, JsonNode value) throws Unconvertible {
        if (value == null || value.isNull() || value.isMissingNode() || schema == null || !schema.isObject()) {
            return value;
        }
        String name = schema.path("name").asText("");
        String type = schema.path("type").asText("");
        if (name.equals("org.apache.kafka.connect.data.Decimal")) {
            return value.isNumber() ? value : DecimalNode.valueOf(decimal(schema, value, name));
        }
        if (name.equals("io.debezium.data.VariableScaleDecimal")) {
            return variableScale(value, name);
        }
        JsonNode infinity = infinity(name, value);
        if (infinity != null) {
            return infinity;
        }
        if (name.equals("org.apache.kafka.connect.data.Date") || name.equals("io.debezium.time.Date")) {
            long days = whole(value, name);
            try {
                return TextNode.valueOf(LocalDate.ofEpochDay(days).toString());
            } catch (DateTimeException e) {
                throw new Unconvertible("a " + name + " outside the dates Java knows");
            }
        }
        Long perSecond = TIMES.get(name);
        if (perSecond != null) {
            return TextNode.valueOf(time(whole(value, name), perSecond, name));
        }
        perSecond = TIMESTAMPS.get(name);
        if (perSecond != null) {
            return TextNode.valueOf(timestamp(whole(value, name), perSecond, name));
        }
        if (name.equals("io.debezium.data.Json")) {
            return json(value, name);
        }
        if (name.equals("io.debezium.time.MicroDuration")) {
            return TextNode.valueOf(IntervalText.ofMicros(whole(value, name)));
        }
        if (type.equals("array") && value.isArray()) {
            ArrayNode elements = NODES.arrayNode(value.size());
            for (JsonNode element : value) {
                elements.add(normalise(schema.get("items"), element));
            }
            return elements;
        }
        if (type.equals("struct") && value.isObject()) {
            ObjectNode struct = NODES.objectNode();
            Map<String, JsonNode> fields = fields(schema);
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> field = it.next();
                struct.set(field.getKey(), normalise(fields.get(field.getKey()), field.getValue()));
            }
            return struct;
        }
        return value;
    }

    /**
     * PostgreSQL's {@code infinity} / {@code -infinity} where the logical type makes it certain: what
     * the connector writes for them (the JDBC driver's infinity timestamps in the type's unit; for a
     * date PostgreSQL's extreme day numbers moved to 1970, which wrap around to millions of years
     * before any date PostgreSQL holds; {@code ZonedTimestamp}'s own words). {@code null} otherwise.
     */
    private static JsonNode infinity(String name, JsonNode value) {
        Long[] extremes = INFINITIES.get(name);
        if (extremes == null) {
            return null;
        }
        if (extremes.length == 0) {
            return !value.isTextual()
                    ? null
                    : value.textValue().equals("infinity")
                            ? ColumnType.infinity(true)
                            : value.textValue().equals("-infinity") ? ColumnType.infinity(false) : null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            return null;
        }
        long number = value.longValue();
        return number == extremes[0]
                ? ColumnType.infinity(true)
                : number == extremes[1] ? ColumnType.infinity(false) : null;
    }

    /** The schemas of a struct schema's fields by name (empty for anything else). */
    static Map<String, JsonNode> fields(JsonNode structSchema) {
        Map<String, JsonNode> fields = new java.util.HashMap<>();
        if (structSchema != null) {
            for (JsonNode field : structSchema.path("fields")) {
                fields.put(field.path("field").asText(), field);
            }
        }
        return fields;
    }

    private static BigDecimal decimal(JsonNode schema, JsonNode value, String name) throws Unconvertible {
        String scale = schema.path("parameters").path("scale").asText("");
        if (!SCALE.matcher(scale).matches()) {
            throw new Unconvertible("a " + name + " whose schema has no scale parameter");
        }
        return new BigDecimal(unscaled(value, name), Integer.parseInt(scale));
    }

    private static JsonNode variableScale(JsonNode value, String name) throws Unconvertible {
        if (!value.isObject() || !value.path("scale").canConvertToInt() || !value.path("scale").isIntegralNumber()) {
            throw new Unconvertible("a " + name + " without an integral scale");
        }
        return DecimalNode.valueOf(new BigDecimal(unscaled(value.path("value"), name), value.get("scale").intValue()));
    }

    private static BigInteger unscaled(JsonNode value, String name) throws Unconvertible {
        if (!value.isTextual()) {
            throw new Unconvertible("a " + name + " that is not base64 in a JSON string");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value.textValue());
        } catch (IllegalArgumentException e) {
            throw new Unconvertible("a " + name + " that is not base64 in a JSON string");
        }
        if (bytes.length == 0) {
            throw new Unconvertible("a " + name + " without bytes");
        }
        return new BigInteger(bytes);
    }

    private static long whole(JsonNode value, String name) throws Unconvertible {
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new Unconvertible("a " + name + " that is not an integral JSON number");
        }
        return value.longValue();
    }

    /** HH:mm:ss.fffffffff: the column's type refuses digits it cannot keep. */
    private static String time(long count, long perSecond, String name) throws Unconvertible {
        long nanosPerUnit = 1_000_000_000L / perSecond;
        if (count == 86_400L * perSecond) {
            return "24:00:00"; // PostgreSQL's time 24:00:00, the end of the day
        }
        if (count < 0 || count > 86_400L * perSecond) {
            throw new Unconvertible("a " + name + " outside the 24 hours of a day");
        }
        LocalTime time = LocalTime.ofNanoOfDay(count * nanosPerUnit);
        return String.format(java.util.Locale.ROOT, "%02d:%02d:%02d.%09d", time.getHour(), time.getMinute(),
                time.getSecond(), time.getNano());
    }

    /** yyyy-MM-ddTHH:mm:ss.fffffffff without an offset: Connect's timestamps are local date-times read as UTC. */
    private static String timestamp(long count, long perSecond, String name) throws Unconvertible {
        long nanosPerUnit = 1_000_000_000L / perSecond;
        try {
            LocalDateTime local = LocalDateTime.ofEpochSecond(Math.floorDiv(count, perSecond),
                    (int) (Math.floorMod(count, perSecond) * nanosPerUnit), ZoneOffset.UTC);
            if (local.getYear() < 1 || local.getYear() > 9999) {
                throw new Unconvertible("a " + name + " outside the years 1 to 9999");
            }
            return local.toLocalDate() + "T" + time(local.toLocalTime().toNanoOfDay(), 1_000_000_000L, name);
        } catch (DateTimeException e) {
            throw new Unconvertible("a " + name + " outside the years 1 to 9999");
        }
    }

    private static JsonNode json(JsonNode value, String name) throws Unconvertible {
        if (!value.isTextual()) {
            return value;
        }
        try {
            JsonNode parsed = JSON.readTree(value.textValue());
            if (parsed == null) {
                throw new Unconvertible("a " + name + " holding no JSON");
            }
            return parsed;
        } catch (IOException e) {
            throw new Unconvertible("a " + name + " holding text that is not JSON");
        }
    }
}
