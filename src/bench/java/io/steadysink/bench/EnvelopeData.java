package io.steadysink.bench;

import java.util.Locale;

/**
 * The records Kafka Connect's sinks read: Kafka Connect's JSON schema envelope
 * ({@code JsonConverter} with {@code schemas.enable=true}), about 690 bytes each, keyed like
 * {@link BenchData} over {@link BenchData#KEYS} keys. The payload has six typed fields: {@code id}
 * (int64, the record's number), {@code order_id} (string, Debezium's {@code io.debezium.data.Uuid}:
 * one uuid per key), {@code customer} (string), {@code amount} ({@code Decimal} of scale 2, written
 * as a JSON number, which {@code JsonConverter} reads whatever its {@code decimal.format}),
 * {@code status} (string) and {@code placed_at} ({@code Timestamp}: epoch milliseconds,
 * {@link #BASE_MILLIS} + id).
 */
final class EnvelopeData {

    static final String TOPIC = "bench-envelope";
    /** 2026-01-01T00:00:00Z: record {@code id} was placed {@code id} milliseconds later. */
    static final long BASE_MILLIS = 1_767_225_600_000L;
    /** The types both sides write: the same columns in every table of the comparison. */
    static final String COLUMNS = "id bigint NOT NULL, order_id uuid NOT NULL, customer text NOT NULL, "
            + "amount numeric(12,2) NOT NULL, status text NOT NULL, placed_at timestamptz NOT NULL";

    private static final String SCHEMA = "{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"string\",\"optional\":false,\"name\":\"io.debezium.data.Uuid\",\"field\":\"order_id\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"customer\"},"
            + "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\","
            + "\"parameters\":{\"scale\":\"2\"},\"field\":\"amount\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"status\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\","
            + "\"field\":\"placed_at\"}],\"optional\":false,\"name\":\"bench.Order\"}";

    private EnvelopeData() {
    }

    static String value(long id) {
        return String.format(Locale.ROOT, "{\"schema\":%s,\"payload\":{\"id\":%d,\"order_id\":\"%s\","
                + "\"customer\":\"%s\",\"amount\":%d.%02d,\"status\":\"%s\",\"placed_at\":%d}}", SCHEMA, id,
                BenchData.orderId(id), BenchData.key(id), id % 1000, id % 100, id % 3 == 0 ? "paid" : "open",
                BASE_MILLIS + id);
    }

    /**
     * Rows of {@code table} whose six columns hold what record {@code id} carried (the uuid
     * recomputed as {@code UUID.nameUUIDFromBytes} makes it: MD5, version 3, IETF variant), with
     * {@code id >= minId}.
     */
    static String checkRows(String table, long minId) {
        return "SELECT count(*) FROM (SELECT t.*, md5('order-' || (t.id % " + BenchData.KEYS + ")) AS h FROM "
                + table + " t WHERE t.id >= " + minId + ") r WHERE customer = 'customer-' || (id % "
                + BenchData.KEYS + ") AND amount = (id % 1000) + (id % 100) / 100.0"
                + " AND status = CASE WHEN id % 3 = 0 THEN 'paid' ELSE 'open' END"
                + " AND placed_at = timestamptz 'epoch' + (" + BASE_MILLIS + " + id) * interval '1 millisecond'"
                + " AND order_id = overlay(overlay(h PLACING '3' FROM 13) PLACING substr('89ab', "
                + "((get_byte(decode(h, 'hex'), 8) >> 4) & 3) + 1, 1) FROM 17)::uuid";
    }
}
