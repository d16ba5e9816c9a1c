package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.bound;
import static io.steadysink.routes.RouteFixture.record;
import static io.steadysink.routes.RouteFixture.route;
import static io.steadysink.routes.RouteFixture.routes;
import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.RouteTables;
import io.steadysink.sink.RouteWriter;
import io.steadysink.sink.RoutedWriter;
import io.steadysink.sink.SinkRecord;
import io.steadysink.testing.LocalPostgres;

/**
 * Routes written into real tables in transactions, as the consumer's workers write them: one
 * stream of records (several identities, updates, tombstones, re-inserts after a delete, re-sent
 * events) written in one batch, in many small batches, in batches landing in shuffled order (parallel
 * workers finishing out of order) and twice (a replay) leaves every table exactly as the stream's
 * oracle says, whichever way it was written.
 */
class RouteWriterTest {

    private static final String TOPIC = "rw-orders";
    private static final int PARTITIONS = 3;

    /** One record of the stream and what it says; {@code value == null} for a tombstone. */
    private record Event(SinkRecord record, String orderId, Value value) {
    }

    /** The fields of a written record. */
    private record Value(int version, String amount, String status, String eventId, String note) {

        String json() {
            return "{\"amount\":\"" + amount + "\",\"status\":\"" + status + "\",\"version\":" + version
                    + ",\"event_id\":\"" + eventId + "\",\"note\":\"" + note + "\"}";
        }
    }

    /** The stream: seeded, so every run writes the same records. */
    private static final List<Event> STREAM = stream(new Random(14));

    private static List<Event> stream(Random random) {
        long[] offsets = new long[PARTITIONS];
        Map<String, Value> last = new HashMap<>();
        List<Event> events = new ArrayList<>();
        int version = 0;
        for (int step = 0; step < 240; step++) {
            int n = random.nextInt(9);
            String id = orderId(n);
            int partition = n % PARTITIONS;
            double dice = random.nextDouble();
            Value value;
            if (dice < 0.2) {
                value = null;
            } else if (dice < 0.3 && last.get(id) != null) {
                value = last.get(id); // re-sent by its producer: the same event at a new offset
            } else {
                version++;
                value = new Value(version, (version * 137 % 100_000) + "." + String.format("%02d", version % 100),
                        version % 3 == 0 ? "paid" : "placed", "e-" + version, "n" + version);
            }
            last.put(id, value);
            String json = value == null ? null : value.json();
            events.add(new Event(record(TOPIC, partition, offsets[partition]++, id, json), id, value));
        }
        // an identity that only ever sees tombstones
        String never = orderId(9);
        events.add(new Event(record(TOPIC, 0, offsets[0]++, never, null), never, null));
        return List.copyOf(events);
    }

    private static String orderId(int n) {
        return "00000000-0000-0000-0000-00000000000" + n;
    }

    // --- the oracles ---------------------------------------------------------------------------

    private static final String UPSERT_COLUMNS = "order_id, amount, status, version, extra->>'note', kafka_topic,"
            + " kafka_partition, kafka_offset";

    /** Per identity, in offset order: its newest write and newest tombstone. */
    private static Map<String, Event[]> newest() {
        Map<String, Event[]> newest = new TreeMap<>();
        for (Event event : STREAM) {
            Event[] slots = newest.computeIfAbsent(event.orderId(), id -> new Event[2]);
            slots[event.value() == null ? 1 : 0] = event; // the stream is in offset order per identity
        }
        return newest;
    }

    private static String upsertRow(Event write, SinkRecord coordinates) {
        Value v = write.value();
        return write.orderId() + "|" + v.amount() + "|" + v.status() + "|" + v.version() + "|" + v.note() + "|"
                + coordinates.topic() + "|" + coordinates.partition() + "|" + coordinates.offset();
    }

    /** Delete: the newest write of each identity, unless a newer tombstone deleted it. */
    private static List<String> deleteOracle() {
        List<String> rows = new ArrayList<>();
        newest().forEach((id, slots) -> {
            Event write = slots[0];
            Event tombstone = slots[1];
            if (write != null && (tombstone == null || tombstone.record().offset() < write.record().offset())) {
                rows.add(upsertRow(write, write.record()));
            }
        });
        return rows;
    }

    /**
     * Mark: the newest write of each identity with the coordinates of that write, marked deleted when
     * a newer tombstone came.
     */
    private static List<String> markOracle() {
        List<String> rows = new ArrayList<>();
        newest().forEach((id, slots) -> {
            Event write = slots[0];
            Event tombstone = slots[1];
            if (write != null) {
                boolean deleted = tombstone != null && tombstone.record().offset() > write.record().offset();
                rows.add(upsertRow(write, write.record()) + "|" + (deleted ? "t" : "f"));
            }
        });
        return rows;
    }

    /** Append by coordinates: every record with a value, once, at its own coordinates. */
    private static List<String> appendOracle() {
        List<String> rows = new ArrayList<>();
        for (Event event : STREAM) {
            if (event.value() != null) {
                SinkRecord r = event.record();
                rows.add(r.topic() + "|" + r.partition() + "|" + r.offset() + "|" + event.orderId() + "|"
                        + event.value().version() + "|" + event.value().amount() + "|" + r.timestamp());
            }
        }
        rows.sort(null);
        return rows;
    }

    /** Append by a natural key: each event once, however often it was sent. */
    private static List<String> naturalKeyOracle() {
        Map<String, String> rows = new TreeMap<>();
        for (Event event : STREAM) {
            if (event.value() != null) {
                Value v = event.value();
                rows.putIfAbsent(v.eventId(),
                        v.eventId() + "|" + event.orderId() + "|" + v.version() + "|" + v.amount());
            }
        }
        return new ArrayList<>(rows.values());
    }

    @Test
    void theStreamHoldsWhatTheOraclesMustGetRight() {
        Map<String, Event[]> newest = newest();
        assertThat(newest.values()).as("an identity deleted at the end")
                .anyMatch(s -> s[0] != null && s[1] != null && s[1].record().offset() > s[0].record().offset());
        assertThat(newest.values()).as("an identity written again after a tombstone")
                .anyMatch(s -> s[0] != null && s[1] != null && s[1].record().offset() < s[0].record().offset());
        assertThat(newest.values()).as("an identity never written").anyMatch(s -> s[0] == null);
        assertThat(STREAM).as("re-sent events").hasSizeGreaterThan(
                (int) STREAM.stream().filter(e -> e.value() != null).map(e -> e.value().eventId()).distinct().count()
                        + (int) STREAM.stream().filter(e -> e.value() == null).count());
        assertThat(deleteOracle()).hasSizeBetween(2, 8);
    }

    // --- the routes ----------------------------------------------------------------------------

    /** A kind of route: its table, its route and the query and oracle its table is compared with. */
    private record Kind(String name, String table, String route, String select, List<String> oracle) {
    }

    private static final Kind DELETE = new Kind("delete", """
            CREATE TABLE %s (order_id uuid PRIMARY KEY, amount numeric(12,2), status text, version integer NOT NULL,
                extra jsonb, kafka_topic text, kafka_partition integer, kafka_offset bigint)""", """
            routes:
              %s:
                topics: [rw-orders]
                table: %s
                mode: upsert
                identity: [order_id]
                tombstones: delete
                columns:
                  order_id: key
                  amount: /amount
                  status: /status
                  version: /version
                  extra: rest
            """, "SELECT " + UPSERT_COLUMNS + " FROM %s ORDER BY order_id", deleteOracle());

    private static final Kind MARK = new Kind("mark", """
            CREATE TABLE %s (order_id uuid PRIMARY KEY, amount numeric(12,2), status text, version integer NOT NULL,
                extra jsonb, deleted boolean NOT NULL DEFAULT false,
                kafka_topic text, kafka_partition integer, kafka_offset bigint)""", """
            routes:
              %s:
                topics: [rw-orders]
                table: %s
                mode: upsert
                identity: [order_id]
                tombstones: mark
                deleted-column: deleted
                columns:
                  order_id: key
                  amount: /amount
                  status: /status
                  version: /version
                  extra: rest
            """, "SELECT " + UPSERT_COLUMNS + ", deleted FROM %s ORDER BY order_id", markOracle());

    private static final Kind APPEND = new Kind("append", """
            CREATE TABLE %s (kafka_topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL,
                order_id uuid, version integer, amount numeric(12,2), event_time timestamptz,
                UNIQUE (kafka_topic, kafka_partition, kafka_offset))""", """
            routes:
              %s:
                topics: [rw-orders]
                table: %s
                columns:
                  kafka_topic: kafka:topic
                  kafka_partition: kafka:partition
                  kafka_offset: kafka:offset
                  order_id: key
                  version: /version
                  amount: /amount
                  event_time: kafka:timestamp
            """, "SELECT kafka_topic, kafka_partition, kafka_offset, order_id, version, amount,"
            + " (extract(epoch FROM event_time) * 1000)::bigint FROM %s", appendOracle());

    private static final Kind NATURAL_KEY = new Kind("natural", """
            CREATE TABLE %s (event_id text PRIMARY KEY, order_id uuid NOT NULL, version integer NOT NULL,
                amount numeric(12,2))""", """
            routes:
              %s:
                topics: [rw-orders]
                table: %s
                identity: [event_id]
                columns:
                  event_id: /event_id
                  order_id: key
                  version: /version
                  amount: /amount
            """, "SELECT event_id, order_id, version, amount FROM %s ORDER BY event_id", naturalKeyOracle());

    /** A fresh table and route of {@code kind} for one way of writing, and a sink writing it. */
    private static PostgresSink sink(Kind kind, String schedule) throws SQLException {
        String name = "rw-" + kind.name() + "-" + schedule;
        String table = name.replace('-', '_');
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; " + kind.table().formatted(table));
        RouteSpec spec = route(kind.route().formatted(name, table));
        new RouteTables(List.of(spec), false).bind(LocalPostgres.dataSource());
        if (spec.mode() == SinkMode.UPSERT) {
            LocalPostgres.execute("DELETE FROM " + RouteTables.TOMBSTONES + " WHERE route = '" + name + "'");
        }
        return new PostgresSink(LocalPostgres.dataSource(), new RouteWriter(bound(spec)), Duration.ofSeconds(30));
    }

    private static List<String> contents(Kind kind, String schedule) {
        List<String> rows = rows(kind.select().formatted("rw_" + kind.name() + "_" + schedule));
        if (kind == APPEND) {
            rows.sort(null);
        }
        return rows;
    }

    private static List<SinkRecord> records() {
        return STREAM.stream().map(Event::record).toList();
    }

    private static List<List<SinkRecord>> batches(List<SinkRecord> records, Function<Integer, Integer> size) {
        List<List<SinkRecord>> batches = new ArrayList<>();
        for (int from = 0; from < records.size();) {
            int to = Math.min(records.size(), from + size.apply(batches.size()));
            batches.add(records.subList(from, to));
            from = to;
        }
        return batches;
    }

    /** Writes the stream every way into tables of {@code kind}; each ends equal to the oracle. */
    private static void everyWayOfWritingEndsAsTheOracle(Kind kind) throws SQLException {
        assertThat(kind.oracle()).isNotEmpty();
        Map<String, List<String>> ends = new LinkedHashMap<>();

        PostgresSink oneBatch = sink(kind, "one");
        oneBatch.write(records());
        ends.put("one batch", contents(kind, "one"));

        PostgresSink small = sink(kind, "small");
        for (List<SinkRecord> batch : batches(records(), i -> 3)) {
            small.write(batch);
        }
        ends.put("batches of 3 in order", contents(kind, "small"));

        for (int seed = 1; seed <= 3; seed++) {
            PostgresSink shuffled = sink(kind, "shuffled" + seed);
            Random random = new Random(seed);
            List<List<SinkRecord>> batches = new ArrayList<>(batches(records(), i -> 1 + random.nextInt(6)));
            Collections.shuffle(batches, random);
            for (List<SinkRecord> batch : batches) {
                shuffled.write(batch);
            }
            ends.put("batches in shuffled order (seed " + seed + ")", contents(kind, "shuffled" + seed));
        }

        PostgresSink replayed = sink(kind, "replay");
        for (List<SinkRecord> batch : batches(records(), i -> 4)) {
            replayed.write(batch);
        }
        List<String> before = contents(kind, "replay");
        for (List<SinkRecord> batch : batches(records(), i -> 7)) {
            replayed.write(batch);
        }
        assertThat(contents(kind, "replay")).as("a replay changes nothing").isEqualTo(before);
        ends.put("written twice", contents(kind, "replay"));

        ends.forEach((way, rows) -> assertThat(rows).as(kind.name() + " route, " + way)
                .containsExactlyElementsOf(kind.oracle()));
    }

    @Test
    void upsertWithTombstonesDeletingEndsAsTheNewestWritePerIdentityHoweverTheBatchesLand() throws Exception {
        everyWayOfWritingEndsAsTheOracle(DELETE);
    }

    @Test
    void upsertWithTombstonesMarkingEndsAsTheNewestWriteMarkedWhereANewerTombstoneCameHoweverTheBatchesLand()
            throws Exception {
        everyWayOfWritingEndsAsTheOracle(MARK);
    }

    @Test
    void appendByCoordinatesWritesEveryRecordOnceHoweverTheBatchesLand() throws Exception {
        everyWayOfWritingEndsAsTheOracle(APPEND);
    }

    @Test
    void appendByNaturalKeyWritesEveryEventOnceHoweverOftenItWasSentAndHoweverTheBatchesLand() throws Exception {
        everyWayOfWritingEndsAsTheOracle(NATURAL_KEY);
    }

    /**
     * Batches sharing identities written by parallel workers at once (several replicas, or one
     * replica's workers): each transaction locks its rows in one order, so none deadlocks with
     * another, and the table still ends as the oracle says.
     */
    private static void concurrentBatchesNeverDeadlockAndEndAsTheOracle(Kind kind) throws Exception {
        PostgresSink sink = sink(kind, "concurrent");
        Random random = new Random(7);
        List<List<SinkRecord>> batches = new ArrayList<>();
        for (int pass = 0; pass < 60; pass++) {
            batches.addAll(batches(records(), i -> 10 + random.nextInt(30)));
        }
        Collections.shuffle(batches, random);
        ConcurrentLinkedQueue<List<SinkRecord>> queue = new ConcurrentLinkedQueue<>(
                batches);
        ExecutorService workers = Executors.newFixedThreadPool(6);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 6; w++) {
                running.add(workers.submit(() -> {
                    for (List<SinkRecord> batch = queue.poll(); batch != null; batch = queue.poll()) {
                        try {
                            sink.write(batch);
                        } catch (SQLException e) {
                            failures.add(e.getSQLState() + " " + e.getMessage());
                        }
                    }
                }));
            }
            for (Future<?> worker : running) {
                worker.get();
            }
        } finally {
            workers.shutdownNow();
        }
        assertThat(failures).as("failed transactions of " + batches.size()).isEmpty();
        assertThat(contents(kind, "concurrent")).containsExactlyElementsOf(kind.oracle());
    }

    @Test
    void upsertBatchesWithTombstonesWrittenConcurrentlyNeverDeadlock() throws Exception {
        concurrentBatchesNeverDeadlockAndEndAsTheOracle(DELETE);
        concurrentBatchesNeverDeadlockAndEndAsTheOracle(MARK);
    }

    // --- several routes, several tables, one transaction ---------------------------------------

    private static final String SHOP_ORDERS = "rw-shop-orders";
    private static final String SHOP_CUSTOMERS = "rw-shop-customers";

    private static PostgresSink shop() throws SQLException {
        LocalPostgres.execute(
                """
                        DROP TABLE IF EXISTS rw_shop_orders, rw_shop_order_log, rw_shop_customers;
                        CREATE TABLE rw_shop_orders (order_id uuid PRIMARY KEY, amount numeric(12,2) CHECK (amount >= 0),
                            kafka_topic text, kafka_partition integer, kafka_offset bigint);
                        CREATE TABLE rw_shop_order_log (kafka_topic text NOT NULL, kafka_partition integer NOT NULL,
                            kafka_offset bigint NOT NULL, order_id uuid NOT NULL, amount numeric(12,2),
                            PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset));
                        CREATE TABLE rw_shop_customers (id bigint PRIMARY KEY, name text NOT NULL,
                            deleted boolean NOT NULL DEFAULT false, kafka_topic text, kafka_partition integer, kafka_offset bigint);
                        """);
        List<RouteSpec> specs = routes("""
                routes:
                  rw-shop-orders:
                    topics: [%s]
                    table: rw_shop_orders
                    mode: upsert
                    identity: [order_id]
                    columns:
                      order_id: key
                      amount: /amount
                  rw-shop-order-log:
                    topics: [%s]
                    table: rw_shop_order_log
                    columns:
                      order_id: key
                      amount: /amount
                  rw-shop-customers:
                    topics: [%s]
                    table: rw_shop_customers
                    mode: upsert
                    identity: [id]
                    tombstones: mark
                    deleted-column: deleted
                    columns:
                      id: key:/id
                      name: /name
                """.formatted(SHOP_ORDERS, SHOP_ORDERS, SHOP_CUSTOMERS));
        RouteTables tables = new RouteTables(specs, false);
        tables.bind(LocalPostgres.dataSource());
        LocalPostgres.execute("DELETE FROM " + RouteTables.TOMBSTONES + " WHERE route LIKE 'rw-shop-%'");
        RoutedWriter writer = new RoutedWriter(Set.of(), Optional.empty(), new RecordValidator(SinkMode.APPEND,
                1_000_000), tables);
        return new PostgresSink(LocalPostgres.dataSource(), writer, Duration.ofSeconds(30));
    }

    private static Map<String, List<String>> shopTables() {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        tables.put("orders", rows("SELECT order_id, amount, kafka_partition, kafka_offset FROM rw_shop_orders"
                + " ORDER BY order_id"));
        tables.put("order log", rows("SELECT kafka_partition, kafka_offset, order_id, amount FROM rw_shop_order_log"
                + " ORDER BY kafka_partition, kafka_offset"));
        tables.put("customers", rows("SELECT id, name, deleted, kafka_offset FROM rw_shop_customers ORDER BY id"));
        tables.put("tombstones", rows("SELECT route, identity::text, kafka_offset FROM " + RouteTables.TOMBSTONES
                + " WHERE route LIKE 'rw-shop-%' ORDER BY route, identity"));
        return tables;
    }

    private static final String A = "00000000-0000-0000-0000-00000000000a";
    private static final String B = "00000000-0000-0000-0000-00000000000b";

    @Test
    void severalTopicsFanOutIntoSeveralTablesInOneTransactionAndAFailureInOneTableRollsBackAll() throws Exception {
        PostgresSink sink = shop();
        List<SinkRecord> batch = List.of(
                record(SHOP_ORDERS, 0, 0, A, "{\"amount\":\"1.50\"}"),
                record(SHOP_CUSTOMERS, 0, 0, "{\"id\":1}", "{\"name\":\"Ada\"}"),
                record(SHOP_ORDERS, 1, 0, B, "{\"amount\":2}"),
                record(SHOP_CUSTOMERS, 0, 1, "{\"id\":2}", "{\"name\":\"Grace\"}"),
                record(SHOP_ORDERS, 0, 1, A, "{\"amount\":\"1.75\"}"),
                record(SHOP_CUSTOMERS, 0, 2, "{\"id\":2}", null),
                record(SHOP_ORDERS, 1, 1, B, null));

        sink.write(batch);

        Map<String, List<String>> written = shopTables();
        assertThat(written.get("orders")).containsExactly(A + "|1.75|0|1");
        assertThat(written.get("order log")).as("the tombstone appends nothing").containsExactly(
                "0|0|" + A + "|1.50", "0|1|" + A + "|1.75", "1|0|" + B + "|2.00");
        assertThat(written.get("customers")).containsExactly("1|Ada|f|0", "2|Grace|t|1");
        assertThat(written.get("tombstones")).containsExactly("rw-shop-customers|{2}|2",
                "rw-shop-orders|{" + B + "}|1");

        List<SinkRecord> failing = List.of(
                record(SHOP_ORDERS, 0, 2, A, "{\"amount\":\"9.00\"}"),
                record(SHOP_CUSTOMERS, 0, 3, "{\"id\":3}", "{\"name\":\"Edsger\"}"),
                record(SHOP_CUSTOMERS, 0, 4, "{\"id\":1}", null),
                record(SHOP_ORDERS, 1, 2, B, "{\"amount\":\"-1\"}"));
        assertThatThrownBy(() -> sink.write(failing)).isInstanceOf(SQLException.class)
                .hasMessageContaining("rw_shop_orders_amount_check");

        assertThat(shopTables()).as("nothing of the failed batch in any table").isEqualTo(written);

        sink.write(failing.subList(0, 3));
        assertThat(shopTables().get("customers")).containsExactly("1|Ada|t|0", "2|Grace|t|1", "3|Edsger|f|3");
        assertThat(shopTables().get("order log")).hasSize(4);
    }
}
