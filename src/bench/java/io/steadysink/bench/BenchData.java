package io.steadysink.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;

/**
 * The benchmark's records: about 230 bytes of JSON each ({@code -Dbench.record-bytes} sets another length), keyed over a fixed number of keys. Each
 * record carries the fields a typed route maps (an order's uuid, a bigint, an exact amount, a
 * status, epoch milliseconds, text) and a padding note that ends up in the route's {@code rest}.
 */
final class BenchData {

    static final int KEYS = 100_000;
    /**
     * 70 characters: with the 50 bytes of {@code "order_id":"<uuid>"} a record is as long as it was
     * with 120 characters and no order id, so the fixed-shape rows stay comparable with earlier runs.
     */
    private static final String PAD;
    private static final String[] ORDER_IDS = new String[KEYS];

    static {
        for (int k = 0; k < KEYS; k++) {
            ORDER_IDS[k] = UUID.nameUUIDFromBytes(("order-" + k).getBytes(StandardCharsets.UTF_8)).toString();
        }
        PAD = "x".repeat(padLength()); // after the order ids, which a record's length depends on
    }

    private BenchData() {
    }

    /**
     * 70 by default; with {@code -Dbench.record-bytes=N} the padding that makes a record about N bytes
     * long (the other fields take about 160).
     */
    static int padLength() {
        Integer bytes = Integer.getInteger("bench.record-bytes");
        if (bytes == null) {
            return 70;
        }
        int unpadded = value(5_000_000, System.currentTimeMillis(), "").length();
        return Math.max(0, bytes - unpadded);
    }

    static String key(long id) {
        return "customer-" + (id % KEYS);
    }

    /** The uuid of the order record {@code id} updates: one per key, spread over the uuid space. */
    static String orderId(long id) {
        return ORDER_IDS[(int) (id % KEYS)];
    }

    static String value(long id, long producedAtMillis) {
        return value(id, producedAtMillis, PAD);
    }

    private static String value(long id, long producedAtMillis, String pad) {
        return String.format(Locale.ROOT, "{\"id\":%d,\"order_id\":\"%s\",\"customer\":\"%s\",\"amount\":%d.%02d,"
                + "\"status\":\"%s\",\"produced_at\":%d,\"note\":\"%s\"}", id, orderId(id), key(id), id % 1000,
                id % 100, id % 3 == 0 ? "paid" : "open", producedAtMillis, pad);
    }
}
