package io.steadysink.bench;

import java.util.Locale;

/** The benchmark's records: about 250 bytes of JSON each, keyed over a fixed number of keys. */
final class BenchData {

    static final int KEYS = 100_000;
    private static final String PAD = "x".repeat(120);

    private BenchData() {
    }

    static String key(long id) {
        return "customer-" + (id % KEYS);
    }

    static String value(long id, long producedAtMillis) {
        return String.format(Locale.ROOT, "{\"id\":%d,\"customer\":\"%s\",\"amount\":%d.%02d,\"status\":\"%s\","
                + "\"produced_at\":%d,\"note\":\"%s\"}", id, key(id), id % 1000, id % 100,
                id % 3 == 0 ? "paid" : "open", producedAtMillis, PAD);
    }
}
