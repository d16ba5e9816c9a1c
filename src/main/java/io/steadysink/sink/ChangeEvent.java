package io.steadysink.sink;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A record of a {@code change-events} route as Debezium wrote it through Kafka Connect's
 * {@code JsonConverter}, with or without schemas: the row a change leaves, or a delete.
 * <ul>
 * <li>the envelope ({@code before}, {@code after}, {@code source}, {@code op}): {@code op} {@code c},
 * {@code r} (snapshot), {@code u} give the row {@code after}; {@code d} deletes; {@code t} truncates
 * where the route allows it and is refused otherwise; anything else is refused;</li>
 * <li>no value (the tombstone Debezium sends after each delete): deletes (again);</li>
 * <li>a value without envelope (Debezium's {@code ExtractNewRecordState}): the row itself, deleted
 * where its field {@code __deleted} is {@code "true"}.</li>
 * </ul>
 * Which row is deleted is the key's business: a delete reads nothing from its value.
 *
 * @param row the row a create, read or update leaves; {@code null} for a delete
 * @param sourceMillis when the source committed the change (epoch milliseconds): the envelope's
 *        {@code source.ts_ms}, or an unwrapped row's {@code __source_ts_ms}; {@code null} when the
 *        event does not say (a tombstone, or an unwrapped row without that field)
 * @param sourceLsn the change's position in the source's log, global per source database: the
 *        envelope's {@code source.lsn}, or an unwrapped row's {@code __lsn}; {@code null} when the event
 *        does not say
 * @param truncate whether the event is a truncate of the whole table ({@code row} is then {@code null})
 */
record ChangeEvent(ConnectStruct row, Long sourceMillis, Long sourceLsn, boolean truncate) {

    static final ChangeEvent DELETE = new ChangeEvent(null, null, null, false);

    /** A delete of the key's row (a truncate is no delete). */
    boolean delete() {
        return row == null && !truncate;
    }

    /**
     * The change {@code value} (read as JSON; {@code null} for a tombstone) says.
     *
     * @param truncates whether the route allows truncates ({@code truncate: allow})
     * @throws Unconvertible for a truncate the route refuses, an op that is no row change, or a value that
     *         is no change event
     */
    static ChangeEvent of(JsonNode value, boolean truncates) throws Unconvertible {
        if (value == null || value.isNull()) {
            return DELETE;
        }
        boolean wrapped = ConnectStruct.isWrapped(value);
        return of(wrapped ? value.get("payload") : value, wrapped ? ChangeEventSchema.of(value.get("schema")) : null,
                truncates);
    }

    /**
     * {@link #of(JsonNode, boolean)} of a value already taken apart: its {@code payload} (the whole value
     * without schemas) and its {@code schema} ({@code null} without schemas).
     */
    static ChangeEvent of(JsonNode payload, ChangeEventSchema schema, boolean truncates) throws Unconvertible {
        if (payload == null || payload.isNull()) {
            return DELETE;
        }
        if (!payload.isObject()) {
            throw new Unconvertible("the value is " + ColumnType.a(payload.getNodeType())
                    + ", not a change event (an object)");
        }
        if (!isEnvelope(payload)) {
            JsonNode deleted = payload.path("__deleted");
            Long sourceMillis = millis(payload.path("__source_ts_ms"));
            Long sourceLsn = millis(payload.path("__lsn"));
            if (deleted.asText("").equals("true")) {
                return new ChangeEvent(null, sourceMillis, sourceLsn, false);
            }
            ConnectStruct row = schema == null
                    ? new ConnectStruct(payload, null)
                    : new ConnectStruct(payload, schema.schema(), schema.fields());
            return new ChangeEvent(row, sourceMillis, sourceLsn, false);
        }
        Long sourceMillis = millis(payload.path("source").path("ts_ms"));
        Long sourceLsn = millis(payload.path("source").path("lsn"));
        String op = payload.path("op").asText("");
        return switch (op) {
            case "c", "r", "u" -> {
                JsonNode after = payload.get("after");
                if (after == null || !after.isObject()) {
                    throw new Unconvertible("a change event of op " + op + " without the row after it");
                }
                ConnectStruct row = schema == null
                        ? new ConnectStruct(after, null)
                        : new ConnectStruct(after, schema.after(), schema.afterFields());
                yield new ChangeEvent(row, sourceMillis, sourceLsn, false);
            }
            case "d" -> new ChangeEvent(null, sourceMillis, sourceLsn, false);
            case "t" -> {
                if (!truncates) {
                    throw new Unconvertible("a truncate (op t) of " + source(payload)
                            + ", which this route refuses (truncate: refuse): truncate the table yourself if the"
                            + " truncate should apply, the rows that follow it are written as they come; or set"
                            + " truncate: allow");
                }
                yield new ChangeEvent(null, sourceMillis, sourceLsn, true);
            }
            default -> throw new Unconvertible("a change event of op \"" + op
                    + "\", which is no row change (c, r, u, d)");
        };
    }

    /** An integral field (epoch milliseconds, a log position), or {@code null} when there is none. */
    private static Long millis(JsonNode field) {
        return field.isIntegralNumber() && field.canConvertToLong() ? field.longValue() : null;
    }

    /** Debezium's envelope: {@code op}, {@code source} and {@code after} (null for deletes and truncates). */
    private static boolean isEnvelope(JsonNode payload) {
        return payload.path("op").isTextual() && payload.has("source") && payload.has("after");
    }

    private static String source(JsonNode payload) {
        JsonNode source = payload.path("source");
        String schema = source.path("schema").asText("");
        String table = source.path("table").asText("");
        return table.isEmpty()
                ? "the source table"
                : "source table " + (schema.isEmpty() ? "" : schema + ".")
                        + table;
    }
}
