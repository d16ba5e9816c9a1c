package io.steadysink.bench;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;

/**
 * The change-events step's records: Debezium PostgreSQL change events for a table {@code public.orders}
 * as Kafka Connect's {@code JsonConverter} writes them with schemas enabled (compact JSON, every
 * message repeating its schema: about 4 KB), keyed by the primary key. The shape is the captured one
 * in {@code src/test/resources/debezium/shapes/}.
 * <p>
 * Record {@code i} changes order {@code i % keys} in round {@code i / keys}; over ten rounds each
 * order is created (0), updated (1–3), deleted (4), followed by the tombstone Debezium sends after a
 * delete (5), created again (6) and updated (7–9). With the default replica identity an update has
 * no {@code before} and a delete's {@code before} holds the key (other columns null).
 */
final class ChangeEventData {

    static final int ROUNDS = 10;
    /** Debezium's topic name for the table: {@code <topic.prefix>.<schema>.<table>}. */
    static final String TOPIC = "bench.public.orders";
    private static final String[] STATUSES = {"placed", "paid", "packed", "shipped"};

    private static final String ROW_SCHEMA = """
            {"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"},\
            {"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1,"field":"order_id"},\
            {"type":"string","optional":true,"field":"customer"},\
            {"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,\
            "parameters":{"scale":"2","connect.decimal.precision":"12"},"field":"amount"},\
            {"type":"string","optional":true,"name":"io.debezium.time.ZonedTimestamp","version":1,"field":"placed_at"},\
            {"type":"string","optional":true,"field":"status"}],\
            "optional":true,"name":"bench.public.orders.Value","field":"%s"}""";
    private static final String SOURCE_SCHEMA = """
            {"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},\
            {"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},\
            {"type":"int64","optional":false,"field":"ts_ms"},{"type":"string","optional":true,\
            "name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":\
            "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},\
            "default":"false","field":"snapshot"},{"type":"string","optional":false,"field":"db"},\
            {"type":"string","optional":true,"field":"sequence"},{"type":"int64","optional":true,"field":"ts_us"},\
            {"type":"int64","optional":true,"field":"ts_ns"},{"type":"string","optional":false,"field":"schema"},\
            {"type":"string","optional":false,"field":"table"},{"type":"int64","optional":true,"field":"txId"},\
            {"type":"int64","optional":true,"field":"lsn"},{"type":"int64","optional":true,"field":"xmin"},\
            {"type":"string","optional":true,"field":"origin"},{"type":"int64","optional":true,"field":"origin_lsn"}],\
            "optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"}""";
    private static final String ENVELOPE_SCHEMA = "{\"type\":\"struct\",\"fields\":[" + ROW_SCHEMA.formatted("before")
            + "," + ROW_SCHEMA.formatted("after") + "," + SOURCE_SCHEMA
            + ",{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},{\"type\":\"int64\",\"optional\":false,"
            + "\"field\":\"data_collection_order\"}],\"optional\":true,\"name\":\"event.block\",\"version\":1,"
            + "\"field\":\"transaction\"},{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},{\"type\":\"int64\",\"optional\":true,"
            + "\"field\":\"ts_us\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],\"optional\":false,"
            + "\"name\":\"bench.public.orders.Envelope\",\"version\":2}";
    private static final String KEY_SCHEMA = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
            + "\"field\":\"id\"}],\"optional\":false,\"name\":\"bench.public.orders.Key\"}";

    /** The target table: six typed columns and the coordinates the ordering guard keeps. */
    static final String TABLE_COLUMNS = "id bigint PRIMARY KEY, order_id uuid, customer text, amount numeric(12,2), "
            + "placed_at timestamptz, status text, kafka_topic text, kafka_partition integer, kafka_offset bigint";

    private ChangeEventData() {
    }

    static String key(long id) {
        return "{\"schema\":" + KEY_SCHEMA + ",\"payload\":{\"id\":" + id + "}}";
    }

    /**
     * The value of record {@code record} of a topic over {@code keys} orders, its source transaction
     * committed at {@code sourceMillis}; {@code null} for a tombstone.
     */
    static String value(long record, int keys, long sourceMillis) {
        long id = record % keys;
        int round = (int) (record / keys) % ROUNDS;
        String op;
        String before = "null";
        String after = "null";
        switch (round) {
            case 0, 6 -> {
                op = "c";
                after = row(id, round, sourceMillis);
            }
            case 4 -> {
                op = "d";
                before = "{\"id\":" + id + ",\"order_id\":null,\"customer\":null,\"amount\":null,\"placed_at\":null,"
                        + "\"status\":null}";
            }
            case 5 -> {
                return null;
            }
            default -> {
                op = "u";
                after = row(id, round, sourceMillis);
            }
        }
        long lsn = 22_000_000L + record * 256;
        return "{\"schema\":" + ENVELOPE_SCHEMA + ",\"payload\":{\"before\":" + before + ",\"after\":" + after
                + ",\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":"
                + sourceMillis + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"sequence\":\"[\\\"" + (lsn - 256)
                + "\\\",\\\"" + lsn + "\\\"]\",\"ts_us\":" + sourceMillis * 1000 + ",\"ts_ns\":"
                + sourceMillis * 1_000_000
                + ",\"schema\":\"public\",\"table\":\"orders\",\"txId\":" + (1000 + record) + ",\"lsn\":" + lsn
                + ",\"xmin\":null,\"origin\":null,\"origin_lsn\":null},\"transaction\":null,\"op\":\"" + op
                + "\",\"ts_ms\":" + sourceMillis + ",\"ts_us\":" + sourceMillis * 1000 + ",\"ts_ns\":"
                + sourceMillis * 1_000_000 + "}}";
    }

    /** Order {@code id}'s amount in cents after the change of {@code round}. */
    static long cents(long id, int round) {
        return (id * 7919 + round * 101) % 1_000_000 - 500_000;
    }

    static String status(int round) {
        return STATUSES[round % STATUSES.length];
    }

    /**
     * A query counting the orders that hold exactly what the last round wrote: with {@link #ROUNDS}
     * rounds, every order exists and is at round 9.
     */
    static String checkLastRound(String table) {
        int last = ROUNDS - 1;
        return "SELECT count(*) FROM " + table + " WHERE customer = 'customer-' || id AND amount = ((id * 7919 + "
                + last * 101 + ") % 1000000 - 500000) / 100.0 AND status = '" + status(last)
                + "' AND placed_at IS NOT NULL AND order_id IS NOT NULL";
    }

    private static String row(long id, int round, long sourceMillis) {
        byte[] unscaled = BigInteger.valueOf(cents(id, round)).toByteArray();
        return String.format(Locale.ROOT,
                "{\"id\":%d,\"order_id\":\"%s\",\"customer\":\"customer-%d\",\"amount\":\"%s\","
                        + "\"placed_at\":\"%s\",\"status\":\"%s\"}",
                id,
                UUID.nameUUIDFromBytes(("order-" + id).getBytes(StandardCharsets.UTF_8)), id,
                Base64.getEncoder().encodeToString(unscaled), Instant.ofEpochMilli(sourceMillis), status(round));
    }
}
