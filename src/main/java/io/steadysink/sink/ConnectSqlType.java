package io.steadysink.sink;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The PostgreSQL column type for a field of a change event, from its Connect schema as Kafka Connect's
 * {@code JsonConverter} writes it: what a column added for a field the source gained, or a table
 * created from the first event, is declared with. Every type named here is one {@link ConnectValue}
 * reads and {@link ColumnType} converts exactly:
 * <ul>
 * <li>Debezium's and Connect's logical types: {@code Decimal} as {@code numeric(p,s)} (its
 * {@code connect.decimal.precision} and {@code scale}; {@code numeric} without precision),
 * {@code VariableScaleDecimal} as {@code numeric}, dates as {@code date}, {@code Time} (ms) as
 * {@code time(3)}, {@code MicroTime} and {@code NanoTime} as {@code time}, {@code Timestamp} (ms) as
 * {@code timestamp(3)}, {@code MicroTimestamp} and {@code NanoTimestamp} as {@code timestamp},
 * {@code ZonedTimestamp} as {@code timestamptz}, {@code ZonedTime} as {@code timetz},
 * {@code MicroDuration} and {@code Interval} (the connector's {@code interval.handling.mode} numeric
 * and string) as {@code interval}, {@code Uuid} as {@code uuid}, {@code Json} as
 * {@code jsonb}, {@code Enum} as {@code text} (an enum type is the operator's to create);</li>
 * <li>Connect types: {@code int8} and {@code int16} as {@code smallint}, {@code int32} as
 * {@code integer}, {@code int64} as {@code bigint}, {@code float} as {@code real}, {@code double} as
 * {@code double precision}, {@code boolean}, {@code string} as {@code text}, {@code bytes} as
 * {@code bytea}, a struct as {@code jsonb}, an array as an array of its element's type.</li>
 * </ul>
 * Anything else (another logical type, such as a geometry, a map,
 * an array of arrays, or no schema at all) has no type here: a person chooses it.
 */
public final class ConnectSqlType {

    private static final Map<String, String> LOGICAL = Map.ofEntries(
            Map.entry("io.debezium.data.VariableScaleDecimal", "numeric"),
            Map.entry("org.apache.kafka.connect.data.Date", "date"), Map.entry("io.debezium.time.Date", "date"),
            Map.entry("org.apache.kafka.connect.data.Time", "time(3)"), Map.entry("io.debezium.time.Time", "time(3)"),
            Map.entry("io.debezium.time.MicroTime", "time"), Map.entry("io.debezium.time.NanoTime", "time"),
            Map.entry("org.apache.kafka.connect.data.Timestamp", "timestamp(3)"),
            Map.entry("io.debezium.time.Timestamp", "timestamp(3)"),
            Map.entry("io.debezium.time.MicroTimestamp", "timestamp"),
            Map.entry("io.debezium.time.NanoTimestamp", "timestamp"),
            Map.entry("io.debezium.time.ZonedTimestamp", "timestamptz"),
            Map.entry("io.debezium.time.ZonedTime", "timetz"), Map.entry("io.debezium.time.MicroDuration", "interval"),
            Map.entry("io.debezium.time.Interval", "interval"), Map.entry("io.debezium.data.Uuid", "uuid"),
            Map.entry("io.debezium.data.Json", "jsonb"), Map.entry("io.debezium.data.Enum", "text"));

    private static final Map<String, String> PLAIN = Map.ofEntries(Map.entry("int8", "smallint"),
            Map.entry("int16", "smallint"), Map.entry("int32", "integer"), Map.entry("int64", "bigint"),
            Map.entry("float", "real"), Map.entry("float32", "real"), Map.entry("double", "double precision"),
            Map.entry("float64", "double precision"), Map.entry("boolean", "boolean"), Map.entry("string", "text"),
            Map.entry("bytes", "bytea"), Map.entry("struct", "jsonb"));

    private ConnectSqlType() {
    }

    /** The column type for a field of schema {@code schema}; empty when there is no schema or no exact type. */
    public static Optional<String> of(JsonNode schema) {
        if (schema == null || !schema.isObject()) {
            return Optional.empty();
        }
        String name = schema.path("name").asText("");
        String type = schema.path("type").asText("");
        if (name.equals("org.apache.kafka.connect.data.Decimal")) {
            return Optional.of(decimal(schema.path("parameters")));
        }
        if (!name.isEmpty()) {
            return Optional.ofNullable(LOGICAL.get(name)); // a logical type read as its base type would be a guess
        }
        if (type.equals("array")) {
            JsonNode items = schema.get("items");
            if (items == null || items.path("type").asText("").equals("array")) {
                return Optional.empty(); // PostgreSQL's arrays do not nest as JSON arrays do
            }
            return of(items).map(element -> element + "[]");
        }
        return Optional.ofNullable(PLAIN.get(type));
    }

    /** {@code numeric(p,s)} where the precision is known and PostgreSQL takes it, else {@code numeric}. */
    private static String decimal(JsonNode parameters) {
        String precision = parameters.path("connect.decimal.precision").asText("");
        String scale = parameters.path("scale").asText("");
        if (precision.matches("\\d{1,4}") && scale.matches("\\d{1,4}")) {
            int p = Integer.parseInt(precision);
            int s = Integer.parseInt(scale);
            if (p >= 1 && p <= 1000 && s <= p) {
                return "numeric(" + p + "," + s + ")";
            }
        }
        return "numeric";
    }
}
