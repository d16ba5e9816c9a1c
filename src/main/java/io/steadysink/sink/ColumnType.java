package io.steadysink.sink;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.POJONode;

import io.steadysink.format.ExactJson;

/**
 * The type of a column of a user's table, as PostgreSQL's catalog names it, and the strict
 * conversion of a JSON value into PostgreSQL's text input for that type. Strict means the value is
 * stored as the JSON says or not at all: no rounding (numeric scale, fractions of a second), no
 * numbers from strings or strings from numbers except where the JSON type cannot carry the value
 * (numeric from a decimal string, bytea from base64, times from ISO-8601), no guessing of time zones.
 * A value that cannot convert throws {@link Unconvertible} with a reason that never holds the value.
 * <p>
 * Numbers must reach this class exactly as written: parse JSON with {@link #jsonMapper()} (or a
 * mapper with {@code DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS} enabled and
 * {@code JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES} disabled). A default mapper reads
 * {@code 12345678901234567890.123456789} as a double, and this class can only convert the double.
 * <p>
 * A type steady-sink cannot write (point, money, an interval restricted to some fields, ...) is a type all the same, so that reading
 * a table never fails for a column no route maps; {@link #supported()} is false and every conversion
 * refuses naming the type.
 */
public final class ColumnType {

    enum Kind {
        TEXT, SMALLINT, INTEGER, BIGINT, NUMERIC, REAL, DOUBLE, BOOLEAN, UUID, DATE, TIME, TIMETZ, INTERVAL, TIMESTAMPTZ, TIMESTAMP, JSON, JSONB, BYTEA, ENUM, ARRAY, UNSUPPORTED
    }

    /** {@code name[(a[,b])][ with[out] time zone]}, as format_type writes built-in types. */
    private static final Pattern SPELLING = Pattern
            .compile(
                    "([a-z][a-z0-9 ]*?)\\s*(?:\\(\\s*(-?\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\))?(?:\\s+(with|without) time zone)?");

    private static final Map<String, Kind> PLAIN = Map.ofEntries(Map.entry("text", Kind.TEXT),
            Map.entry("smallint", Kind.SMALLINT), Map.entry("int2", Kind.SMALLINT), Map.entry("integer", Kind.INTEGER),
            Map.entry("int", Kind.INTEGER), Map.entry("int4", Kind.INTEGER), Map.entry("bigint", Kind.BIGINT),
            Map.entry("int8", Kind.BIGINT), Map.entry("real", Kind.REAL), Map.entry("float4", Kind.REAL),
            Map.entry("double precision", Kind.DOUBLE), Map.entry("float8", Kind.DOUBLE),
            Map.entry("boolean", Kind.BOOLEAN), Map.entry("bool", Kind.BOOLEAN), Map.entry("uuid", Kind.UUID),
            Map.entry("date", Kind.DATE), Map.entry("json", Kind.JSON), Map.entry("jsonb", Kind.JSONB),
            Map.entry("bytea", Kind.BYTEA));

    private static final Map<Kind, String> CANONICAL = Map.of(Kind.SMALLINT, "smallint", Kind.INTEGER, "integer",
            Kind.BIGINT, "bigint", Kind.REAL, "real", Kind.DOUBLE, "double precision", Kind.BOOLEAN, "boolean");

    private final Kind kind;
    private final String formatted;
    /** The built-in, enum or array type this one is, or is a domain over. */
    private final String base;
    /** How reasons name the type: {@link #formatted}, and for a domain its base type too. */
    private final String described;
    /** TEXT: most characters, -1 for any; NUMERIC: precision, -1 for any; TIME, TIMESTAMP*: fraction digits. */
    private final int size;
    /** NUMERIC: scale. */
    private final int scale;
    private final List<String> labels;
    private final ColumnType element;
    /** UNSUPPORTED: why every value is refused. */
    private final String refusal;

    private ColumnType(Kind kind, String formatted, String base, int size, int scale, List<String> labels,
            ColumnType element, String refusal) {
        this.kind = kind;
        this.formatted = formatted;
        this.base = base;
        this.described = base.equals(formatted) ? formatted : formatted + " (a domain over " + base + ")";
        this.size = size;
        this.scale = scale;
        this.labels = labels;
        this.element = element;
        this.refusal = refusal;
    }

    private static ColumnType simple(Kind kind, String formatted, int size, int scale) {
        return new ColumnType(kind, formatted, formatted, size, scale, List.of(), null, null);
    }

    /**
     * A built-in type (or an array of one) from its SQL spelling as {@code format_type} writes it
     * ({@code numeric(12,2)}, {@code character varying(10)[]}, {@code timestamp(3) with time zone}), or a
     * common alias ({@code int4}, {@code varchar(10)}, {@code timestamptz}, {@code decimal(12,2)}). Any other
     * spelling is an {@linkplain #supported() unsupported} type under that name.
     */
    public static ColumnType of(String sql) {
        String spelled = sql.strip();
        if (spelled.endsWith("[]")) {
            ColumnType element = of(spelled.substring(0, spelled.length() - 2));
            return arrayOf(element.formatted + "[]", element);
        }
        Matcher parts = SPELLING.matcher(spelled.toLowerCase(Locale.ROOT));
        if (!parts.matches()) {
            return unsupported(spelled);
        }
        String name = parts.group(1);
        Integer first = parts.group(2) == null ? null : Integer.valueOf(parts.group(2));
        Integer second = parts.group(3) == null ? null : Integer.valueOf(parts.group(3));
        String zone = parts.group(4);
        ColumnType type = switch (name) {
            case "numeric", "decimal" -> zone != null
                    ? null
                    : first == null
                            ? simple(Kind.NUMERIC, "numeric", -1, 0)
                            : simple(Kind.NUMERIC, "numeric(" + first + "," + (second == null ? 0 : second) + ")",
                                    first,
                                    second == null ? 0 : second);
            case "character varying", "varchar" -> zone != null || second != null
                    ? null
                    : first == null
                            ? simple(Kind.TEXT, "character varying", -1, 0)
                            : simple(Kind.TEXT, "character varying(" + first + ")", first, 0);
            case "character", "char", "bpchar" -> zone != null || second != null
                    ? null
                    : first == null && name.equals("bpchar")
                            ? simple(Kind.TEXT, "bpchar", -1, 0)
                            : simple(Kind.TEXT, "character(" + (first == null ? 1 : first) + ")",
                                    first == null ? 1 : first, 0);
            case "time" -> second != null
                    ? null
                    : "with".equals(zone)
                            ? timeLike(Kind.TIMETZ, "time", first, true)
                            : timeLike(Kind.TIME, "time", first, false);
            case "timetz" -> zone != null || second != null ? null : timeLike(Kind.TIMETZ, "time", first, true);
            case "interval" -> zone != null || second != null || first != null && (first < 0 || first > 6)
                    ? null
                    : simple(Kind.INTERVAL, first == null ? "interval" : "interval(" + first + ")",
                            first == null ? 6 : first, 0);
            case "timestamp" -> second != null
                    ? null
                    : timeLike("with".equals(zone) ? Kind.TIMESTAMPTZ : Kind.TIMESTAMP, "timestamp", first,
                            "with".equals(zone));
            case "timestamptz" -> zone != null || second != null
                    ? null
                    : timeLike(Kind.TIMESTAMPTZ, "timestamp", first, true);
            default -> {
                Kind plain = PLAIN.get(name);
                yield plain == null || first != null || zone != null
                        ? null
                        : simple(plain, CANONICAL.getOrDefault(plain, name), -1, 0);
            }
        };
        return type != null ? type : unsupported(spelled);
    }

    private static ColumnType timeLike(Kind kind, String name, Integer digits, boolean zoned) {
        if (digits != null && (digits < 0 || digits > 6)) {
            return null;
        }
        String formatted = name + (digits == null ? "" : "(" + digits + ")")
                + (zoned ? " with time zone" : " without time zone");
        return simple(kind, formatted, digits == null ? 6 : digits, 0);
    }

    /** PostgreSQL's {@code infinity} and {@code -infinity}, as a change event's logical type says them. */
    enum Infinity {
        POSITIVE("infinity", "infinity"), NEGATIVE("-infinity", "minus infinity");

        private final String text;
        private final String described;

        Infinity(String text, String described) {
            this.text = text;
            this.described = described;
        }

        /** The text PostgreSQL reads, also when the marker lands inside a json column. */
        @com.fasterxml.jackson.annotation.JsonValue
        String text() {
            return text;
        }
    }

    /**
     * A value that only {@link ConnectValue} makes, from a date or timestamp whose logical type
     * says infinity: parsed JSON never holds it, so a JSON string {@code "infinity"} stays refused.
     * Date and timestamp columns write it as {@code infinity} / {@code -infinity}; every other type refuses it.
     */
    static JsonNode infinity(boolean positive) {
        return new POJONode(positive ? Infinity.POSITIVE : Infinity.NEGATIVE);
    }

    /** An enum type ({@code pg_type.typtype = 'e'}) and its labels in their sort order. */
    public static ColumnType enumType(String formatted, List<String> labels) {
        return new ColumnType(Kind.ENUM, formatted, formatted, -1, 0, List.copyOf(labels), null, null);
    }

    /** An array of {@code element} (one-dimensional JSON arrays; PostgreSQL does not fix the dimensions). */
    public static ColumnType arrayOf(String formatted, ColumnType element) {
        if (!element.supported() || element.kind == Kind.ARRAY) {
            return unsupported(formatted);
        }
        return new ColumnType(Kind.ARRAY, formatted, formatted, -1, 0, List.of(), element, null);
    }

    /**
     * A domain, converted as its base type; its CHECK constraints are PostgreSQL's to judge when the
     * row is written.
     */
    public static ColumnType domain(String formatted, ColumnType base) {
        if (!base.supported()) {
            return new ColumnType(Kind.UNSUPPORTED, formatted, base.base, -1, 0, List.of(), null,
                    "steady-sink cannot write type " + formatted + " (a domain over " + base.base + ")");
        }
        return new ColumnType(base.kind, formatted, base.base, base.size, base.scale, base.labels, base.element,
                null);
    }

    /** A type steady-sink cannot write: every conversion refuses naming it. */
    public static ColumnType unsupported(String formatted) {
        return unwritable(formatted, "steady-sink cannot write type " + formatted);
    }

    /** A column steady-sink must not write whatever its type (a generated column): refuses with {@code reason}. */
    static ColumnType unwritable(String formatted, String reason) {
        return new ColumnType(Kind.UNSUPPORTED, formatted, formatted, -1, 0, List.of(), null, reason);
    }

    /**
     * A mapper that reads JSON as this class needs it: numbers with a fraction or exponent as
     * {@link java.math.BigDecimal}, trailing zeros kept (the scale of {@code 1.50}), nothing after the
     * value. A new instance on each call; callers keep theirs.
     */
    public static ObjectMapper jsonMapper() {
        return ExactJson.mapper();
    }

    /** SQL spelling, e.g. {@code numeric(12,2)}, {@code timestamp with time zone}, {@code text[]}, an enum's name. */
    public String formatted() {
        return formatted;
    }

    /** Whether steady-sink can write some value into a column of this type. */
    public boolean supported() {
        return kind != Kind.UNSUPPORTED;
    }

    /**
     * The value as PostgreSQL's text input for this type (not yet escaped for COPY), or {@code null}
     * for SQL NULL: JSON null, or a missing node (whether a missing field may be NULL is the caller's
     * decision). Dates and times come out in a form PostgreSQL reads the same under every DateStyle and
     * TimeZone setting: ISO-8601 with a four-digit year, instants in UTC ({@code +00}).
     *
     * @param unit how numbers count time in a timestamp column; ignored by other types
     * @throws Unconvertible when the value cannot be converted exactly
     */
    public String toText(JsonNode value, EpochUnit unit) throws Unconvertible {
        if (kind == Kind.UNSUPPORTED) {
            throw new Unconvertible(refusal);
        }
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value instanceof POJONode marker && marker.getPojo() instanceof Infinity infinity) {
            if (kind != Kind.DATE && kind != Kind.TIMESTAMP && kind != Kind.TIMESTAMPTZ) {
                throw new Unconvertible(infinity.described + ", which " + described + " cannot hold");
            }
            return infinity.text;
        }
        if (!accepts(value.getNodeType(), unit)) {
            throw new Unconvertible(a(value.getNodeType()) + ", but " + described + " takes " + takes(unit));
        }
        return switch (kind) {
            case TEXT -> TextValue.text(value.textValue(), size, described);
            case SMALLINT -> NumberText.integer(value, Short.MIN_VALUE, Short.MAX_VALUE, described);
            case INTEGER -> NumberText.integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE, described);
            case BIGINT -> NumberText.integer(value, Long.MIN_VALUE, Long.MAX_VALUE, described);
            case NUMERIC -> NumberText.numeric(value, size, scale, described);
            case REAL -> NumberText.real(value, described);
            case DOUBLE -> NumberText.doublePrecision(value, described);
            case BOOLEAN -> value.booleanValue() ? "true" : "false";
            case UUID -> TextValue.uuid(value.textValue());
            case DATE -> TimeText.date(value.textValue());
            case TIME -> TimeText.time(value.textValue(), size, described);
            case TIMETZ -> TimeText.timeWithOffset(value.textValue(), size, described);
            case INTERVAL -> IntervalText.interval(value.textValue(), size, described);
            case TIMESTAMPTZ -> TimeText.timestamp(value, unit, size, true, described);
            case TIMESTAMP -> TimeText.timestamp(value, unit, size, false, described);
            case JSON -> TextValue.json(value, false);
            case JSONB -> TextValue.json(value, true);
            case BYTEA -> TextValue.bytea(value.textValue());
            case ENUM -> TextValue.label(value.textValue(), labels, described);
            case ARRAY -> ArrayLiteral.of(value, element, unit, described);
            case UNSUPPORTED -> throw new IllegalStateException("refused above");
        };
    }

    /**
     * Whether some value of this JSON type could ever convert: lets a route be refused at start-up
     * when a column is fed, say, a Kafka offset (always a number) but takes a uuid. JSON null (and a
     * missing node) is accepted by every supported type, as SQL NULL.
     */
    public boolean accepts(JsonNodeType type, EpochUnit unit) {
        if (kind == Kind.UNSUPPORTED) {
            return false;
        }
        if (type == JsonNodeType.NULL || type == JsonNodeType.MISSING) {
            return true;
        }
        if (type == JsonNodeType.POJO) { // only ever an infinity read from a change event's schema
            return kind == Kind.DATE || kind == Kind.TIMESTAMP || kind == Kind.TIMESTAMPTZ;
        }
        return switch (kind) {
            case TEXT, UUID, DATE, TIME, TIMETZ, INTERVAL, BYTEA, ENUM -> type == JsonNodeType.STRING;
            case SMALLINT, INTEGER, BIGINT, REAL, DOUBLE -> type == JsonNodeType.NUMBER;
            case NUMERIC -> type == JsonNodeType.NUMBER || type == JsonNodeType.STRING;
            case BOOLEAN -> type == JsonNodeType.BOOLEAN;
            case TIMESTAMPTZ, TIMESTAMP -> type == JsonNodeType.STRING
                    || type == JsonNodeType.NUMBER && unit != EpochUnit.NONE;
            case JSON, JSONB -> type == JsonNodeType.STRING || type == JsonNodeType.NUMBER
                    || type == JsonNodeType.BOOLEAN || type == JsonNodeType.OBJECT || type == JsonNodeType.ARRAY;
            case ARRAY -> type == JsonNodeType.ARRAY;
            case UNSUPPORTED -> false;
        };
    }

    /** What this type takes, as a reason says it after "but {type} takes". */
    private String takes(EpochUnit unit) {
        String epoch = unit == EpochUnit.NONE ? "" : " or epoch " + unit.noun() + " as a JSON number";
        return switch (kind) {
            case TEXT -> "a JSON string";
            case SMALLINT, INTEGER, BIGINT -> "an integral JSON number";
            case NUMERIC -> "a JSON number or a decimal numeral in a JSON string";
            case REAL, DOUBLE -> "a JSON number";
            case BOOLEAN -> "true or false";
            case UUID -> "a uuid in a JSON string";
            case DATE -> "an ISO-8601 date (yyyy-MM-dd) in a JSON string";
            case TIME -> "an ISO-8601 time (HH:mm[:ss[.ffffff]]) in a JSON string";
            case TIMETZ -> "an ISO-8601 time with a UTC offset (HH:mm[:ss[.ffffff]]Z or ±HH:mm) in a JSON string";
            case INTERVAL -> "an ISO-8601 duration (PnYnMnWnDTnHnMn.nS) in a JSON string";
            case TIMESTAMPTZ -> "an ISO-8601 date-time with a UTC offset in a JSON string" + epoch;
            case TIMESTAMP -> "an ISO-8601 local date-time in a JSON string" + epoch;
            case JSON, JSONB -> "any JSON value";
            case BYTEA -> "base64 in a JSON string";
            case ENUM -> "one of its labels in a JSON string";
            case ARRAY -> "a JSON array";
            case UNSUPPORTED -> "nothing";
        };
    }

    /** {@code a JSON string}: how a reason names a JSON type. */
    static String a(JsonNodeType type) {
        return "a JSON " + name(type);
    }

    static String name(JsonNodeType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    boolean isJson() {
        return kind == Kind.JSON || kind == Kind.JSONB;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ColumnType that && kind == that.kind && formatted.equals(that.formatted)
                && base.equals(that.base) && size == that.size && scale == that.scale && labels.equals(that.labels)
                && Objects.equals(element, that.element) && Objects.equals(refusal, that.refusal);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, formatted, base, size, labels, element);
    }

    @Override
    public String toString() {
        return formatted;
    }
}
