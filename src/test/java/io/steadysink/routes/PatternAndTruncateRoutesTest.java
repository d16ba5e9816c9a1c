package io.steadysink.routes;

import static io.steadysink.routes.DebeziumEvents.field;
import static io.steadysink.routes.DebeziumEvents.row;
import static io.steadysink.routes.RouteFixture.record;
import static io.steadysink.routes.RouteFixture.routes;
import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.ReplicationLag;
import io.steadysink.sink.RouteTables;
import io.steadysink.sink.RoutedWriter;
import io.steadysink.sink.SinkRecord;
import io.steadysink.testing.LocalPostgres;

/**
 * Two features of {@code change-events} routes, against real PostgreSQL: a route whose table is a
 * pattern replicates each of its topics into the table the topic's name maps to, with everything kept
 * per table; and {@code truncate: allow} applies a source truncate exactly once, ordered by the
 * source's log position, whatever partition it lands in and whatever order batches are written in.
 */
class PatternAndTruncateRoutesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A sink writing {@code routeFile}'s routes through the routed writer, as the application does. */
    private static final class Sink {
        final RoutedWriter writer;
        final PostgresSink postgres;
        final List<RouteSpec> specs;

        Sink(String routeFile, ReplicationLag lag) throws SQLException {
            specs = routes(routeFile);
            RouteTables tables = new RouteTables(specs, false);
            tables.bind(LocalPostgres.dataSource());
            forget();
            writer = new RoutedWriter(Set.of(), Optional.empty(), new RecordValidator(SinkMode.APPEND, 1_000_000),
                    tables);
            postgres = new PostgresSink(LocalPostgres.dataSource(), writer, Duration.ofSeconds(30),
                    InstantSource.system(), lag);
        }

        /** Forgets what earlier runs recorded for these routes' tables (tombstones, truncates). */
        void forget() {
            for (RouteSpec spec : specs) {
                LocalPostgres.execute("DELETE FROM " + RouteTables.TOMBSTONES + " WHERE route LIKE '" + spec.name()
                        + "%'; DO $$ BEGIN IF to_regclass('steady_sink_route_truncates') IS NOT NULL THEN"
                        + " DELETE FROM steady_sink_route_truncates WHERE route LIKE '" + spec.name()
                        + "%'; END IF; END $$");
            }
        }

        /** Checks and writes {@code batch} as a worker does; returns the poison records' reasons. */
        List<String> write(List<SinkRecord> batch) throws SQLException {
            var checked = writer.check(batch);
            postgres.write(checked.valid());
            return checked.invalid().stream().map(InvalidRecordException::getCause).map(Throwable::getMessage)
                    .toList();
        }
    }

    // ---- table mapping by pattern ----

    private static final DebeziumEvents CUSTOMERS = new DebeziumEvents("srv", "tmap", "customers",
            List.of(field("id", "int32")), List.of(field("id", "int32"), field("name", "string")), true);
    private static final DebeziumEvents ORDERS = new DebeziumEvents("srv", "tmap", "orders",
            List.of(field("id", "int32")), List.of(field("id", "int32"), field("total", "int64"), field("note",
                    "string")),
            true);

    @Test
    void onePatternRouteReplicatesEachTopicIntoTheTableItsNameMapsToKeepingDeletesPerTable() throws Exception {
        LocalPostgres.execute("""
                DROP SCHEMA IF EXISTS tmap CASCADE;
                CREATE SCHEMA tmap;
                CREATE TABLE tmap.customers (id integer PRIMARY KEY, name text NOT NULL,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                CREATE TABLE tmap.orders (id integer PRIMARY KEY, total bigint, note text,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                """);
        List<String> lags = new ArrayList<>();
        Sink sink = new Sink("""
                routes:
                  mirror:
                    topics: [srv.tmap.customers, srv.tmap.orders]
                    table: "{schema}.{table}"
                    mode: change-events
                """, (route, table, samples) -> lags.add(route + " " + table));
        assertThat(sink.specs).extracting(spec -> spec.table().toString()).containsExactly("tmap.customers",
                "tmap.orders");

        // one batch, one transaction, two tables of different shapes with the same key values
        List<SinkRecord> history = List.of(
                record("srv.tmap.orders", 0, 0, ORDERS.key("id", 1), ORDERS.create(row("id", 1, "total", 10,
                        "note", "first"))),
                record("srv.tmap.orders", 0, 1, ORDERS.key("id", 1), ORDERS.delete(row("id", 1))),
                record("srv.tmap.orders", 0, 2, ORDERS.key("id", 1), null),
                record("srv.tmap.orders", 0, 3, ORDERS.key("id", 2), ORDERS.create(row("id", 2, "total", 20,
                        "note", null))),
                record("srv.tmap.customers", 0, 0, CUSTOMERS.key("id", 1), CUSTOMERS.create(row("id", 1, "name",
                        "Ada"))),
                record("srv.tmap.customers", 0, 1, CUSTOMERS.key("id", 2), CUSTOMERS.create(row("id", 2, "name",
                        "Grace"))));
        assertThat(sink.write(history.subList(0, 3))).isEmpty();
        assertThat(sink.write(history.subList(3, 6))).isEmpty();
        // a replay from offset 0, in reverse: each table's tombstones are its own
        List<SinkRecord> replay = new ArrayList<>(history);
        Collections.reverse(replay);
        for (SinkRecord record : replay) {
            assertThat(sink.write(List.of(record))).isEmpty();
        }

        assertThat(rows("SELECT id, name, kafka_topic FROM tmap.customers ORDER BY id")).as(
                "customer 1 is not the deleted order 1").containsExactly("1|Ada|srv.tmap.customers",
                        "2|Grace|srv.tmap.customers");
        assertThat(rows("SELECT id, total, note FROM tmap.orders ORDER BY id")).containsExactly("2|20|null");
        assertThat(rows("SELECT route FROM " + RouteTables.TOMBSTONES + " WHERE route LIKE 'mirror%'"))
                .containsExactly("mirror:tmap.orders");
        assertThat(lags).as("replication lag tagged by the resolved table").contains("mirror tmap.customers",
                "mirror tmap.orders");
    }

    // ---- truncate: allow ----

    private static final DebeziumEvents ACCOUNTS = new DebeziumEvents("srv", "public", "accounts",
            List.of(field("id", "int32")), List.of(field("id", "int32"), field("name", "string")), true);
    private static final String ACCOUNTS_TOPIC = "tr-accounts";

    /** A change event of {@code ACCOUNTS} at source log position {@code lsn}. */
    private static String at(long lsn, String event) throws Exception {
        ObjectNode value = (ObjectNode) JSON.readTree(event);
        ((ObjectNode) value.path("payload").path("source")).put("lsn", lsn);
        return JSON.writeValueAsString(value);
    }

    private static SinkRecord account(int partition, long offset, Integer id, String value) {
        return record(ACCOUNTS_TOPIC, partition, offset, id == null ? null : ACCOUNTS.key("id", id), value);
    }

    /**
     * The source's history in log order, spread over two partitions as Kafka holds it: keyed changes in
     * the partition of their key, the truncate (no key) in partition 1, away from rows it removed.
     */
    private static List<List<SinkRecord>> partitions() throws Exception {
        DebeziumEvents e = ACCOUNTS;
        List<SinkRecord> p0 = List.of(
                account(0, 0, 1, at(100, e.create(row("id", 1, "name", "Ada")))),
                account(0, 1, 3, at(120, e.create(row("id", 3, "name", "Edsger")))),
                account(0, 2, 4, at(170, e.create(row("id", 4, "name", "Hedy")))),
                account(0, 3, 1, at(180, e.create(row("id", 1, "name", "Ada again")))),
                account(0, 4, 4, at(190, e.delete(row("id", 4)))),
                account(0, 5, 4, null));
        List<SinkRecord> p1 = List.of(
                account(1, 0, 2, at(110, e.create(row("id", 2, "name", "Grace")))),
                account(1, 1, null, at(150, e.truncate())),
                account(1, 2, 2, at(160, e.create(row("id", 2, "name", "Grace again")))),
                account(1, 3, 5, at(210, e.create(row("id", 5, "name", "Barbara")))));
        return List.of(p0, p1);
    }

    /** The source table after the whole history: the truncate at 150 removed 1, 2 and 3. */
    private static final List<String> SOURCE = List.of("1|Ada again", "2|Grace again", "5|Barbara");

    private static Sink accounts(String tombstones) throws SQLException {
        LocalPostgres.execute("DROP TABLE IF EXISTS tr_accounts; CREATE TABLE tr_accounts (id integer PRIMARY KEY,"
                + " name text NOT NULL, kafka_topic text, kafka_partition integer, kafka_offset bigint,"
                + " source_lsn bigint)");
        return new Sink("""
                routes:
                  tr-accounts:
                    topics: [%s]
                    table: tr_accounts
                    mode: change-events
                    truncate: allow
                    tombstones: %s
                """.formatted(ACCOUNTS_TOPIC, tombstones), ReplicationLag.NONE);
    }

    private static void restart(Sink sink) {
        LocalPostgres.execute("DELETE FROM tr_accounts");
        sink.forget();
    }

    @Test
    void aTruncateInOnePartitionAndRowsInAnotherEndEqualToTheSourceInEveryOrderAndAfterAReplay() throws Exception {
        Sink sink = accounts("delete");
        List<List<SinkRecord>> partitions = partitions();
        List<SinkRecord> p0 = partitions.get(0);
        List<SinkRecord> p1 = partitions.get(1);
        // every interleaving of the two partitions' batches (each its own transaction): partition 0 in
        // batches of two (each pair on one side of the truncate in the source's log), partition 1 one by one
        List<List<SinkRecord>> b0 = List.of(p0.subList(0, 2), p0.subList(2, 4), p0.subList(4, 6));
        List<List<SinkRecord>> b1 = p1.stream().map(List::of).toList();
        int orders = 0;
        for (List<List<SinkRecord>> order : interleavings(b0, b1)) {
            restart(sink);
            for (List<SinkRecord> batch : order) {
                assertThat(sink.write(batch)).isEmpty();
            }
            assertThat(rows("SELECT id, name FROM tr_accounts ORDER BY id")).as("order " + describe(order))
                    .isEqualTo(SOURCE);
            // a replay from offset 0 in one batch, then partition 1 alone again
            List<SinkRecord> all = new ArrayList<>(p0);
            all.addAll(p1);
            assertThat(sink.write(all)).isEmpty();
            for (SinkRecord record : p1) {
                sink.write(List.of(record));
            }
            assertThat(rows("SELECT id, name FROM tr_accounts ORDER BY id")).as("replayed after " + describe(order))
                    .isEqualTo(SOURCE);
            orders++;
        }
        assertThat(orders).isEqualTo(35);
        // batches of several records, finishing in random orders, partitions' batches out of order too
        Random random = new Random(16);
        for (int run = 0; run < 20; run++) {
            restart(sink);
            List<List<SinkRecord>> batches = new ArrayList<>();
            for (List<SinkRecord> partition : partitions) {
                int from = 0;
                while (from < partition.size()) {
                    int to = Math.min(partition.size(), from + 1 + random.nextInt(3));
                    batches.add(partition.subList(from, to));
                    from = to;
                }
            }
            Collections.shuffle(batches, random);
            for (List<SinkRecord> batch : batches) {
                assertThat(sink.write(batch)).isEmpty();
            }
            assertThat(rows("SELECT id, name FROM tr_accounts ORDER BY id")).as("run " + run).isEqualTo(SOURCE);
        }
        assertThat(rows("SELECT source_lsn FROM steady_sink_route_truncates WHERE route = 'tr-accounts'"))
                .containsExactly("150");
    }

    @Test
    void aTruncateWaitsForABatchWritingOlderRowsOfTheTableOnAnotherWorkerAndThenRemovesThem() throws Exception {
        Sink sink = accounts("delete");
        List<List<SinkRecord>> partitions = partitions();
        // a worker writes partition 0's rows older than the truncate, and has not committed yet
        try (Connection open = LocalPostgres.dataSource().getConnection()) {
            open.setAutoCommit(false);
            sink.writer.write(open, partitions.get(0).subList(0, 2));
            // another worker writes partition 1 with the truncate meanwhile
            CompletableFuture<List<String>> truncating = CompletableFuture.supplyAsync(() -> {
                try {
                    return sink.write(partitions.get(1).subList(0, 2));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> truncating.isDone() || waitingForALock());
            open.commit();
            assertThat(truncating.get(30, TimeUnit.SECONDS)).isEmpty();
        }
        assertThat(rows("SELECT id, name FROM tr_accounts ORDER BY id")).as("rows older than the truncate")
                .isEmpty();
    }

    /** Whether some session waits for an advisory lock. */
    private static boolean waitingForALock() {
        return !rows("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").isEmpty();
    }

    @Test
    void underTruncateAllowAChangeEventWithoutItsSourcePositionIsPoisonAndTheDefaultStillRefusesTruncates()
            throws Exception {
        Sink sink = accounts("delete");
        DebeziumEvents e = ACCOUNTS;
        List<String> poison = sink.write(List.of(
                account(0, 0, 1, e.create(row("id", 1, "name", "Ada"))),
                account(0, 1, 2, e.unwrapped(row("id", 2, "name", "Grace"), null)),
                account(0, 2, 3, at(100, e.create(row("id", 3, "name", "Edsger")))),
                account(0, 3, null, e.truncate())));
        assertThat(poison).hasSize(3).allSatisfy(reason -> assertThat(reason).contains("route tr-accounts",
                "source.lsn", "truncate: allow"));
        assertThat(rows("SELECT id, name, source_lsn FROM tr_accounts")).containsExactly("3|Edsger|100");

        LocalPostgres.execute("DROP TABLE IF EXISTS tr_refused; CREATE TABLE tr_refused (id integer PRIMARY KEY,"
                + " name text NOT NULL, kafka_topic text, kafka_partition integer, kafka_offset bigint)");
        Sink refusing = new Sink("""
                routes:
                  tr-refused:
                    topics: [tr-refused]
                    table: tr_refused
                    mode: change-events
                """, ReplicationLag.NONE);
        assertThat(refusing.write(List.of(record("tr-refused", 0, 0, null, at(100, e.truncate())))))
                .singleElement().asString().contains("route tr-refused", "truncate", "tr_refused", "truncate: allow");
    }

    @Test
    void aTruncateAllowRouteOnATableWithoutSourceLsnIsRefusedWithTheAlterToRun() throws Exception {
        LocalPostgres.execute("DROP TABLE IF EXISTS tr_plain; CREATE TABLE tr_plain (id integer PRIMARY KEY,"
                + " name text, kafka_topic text, kafka_partition integer, kafka_offset bigint)");
        RouteSpec spec = RouteFixture.route("""
                routes:
                  tr-plain:
                    topics: [tr-plain]
                    table: tr_plain
                    mode: change-events
                    truncate: allow
                """);
        var binding = RouteFixture.binding(spec);
        assertThat(binding.findings()).singleElement().asString().contains("route tr-plain", "source_lsn",
                "truncate: allow");
        assertThat(binding.alterStatements())
                .containsExactly("ALTER TABLE \"tr_plain\" ADD COLUMN IF NOT EXISTS \"source_lsn\" bigint;");
    }

    private static String describe(List<List<SinkRecord>> order) {
        return order.stream().map(batch -> batch.stream().map(r -> r.partition() + ":" + r.offset()).toList())
                .toList().toString();
    }

    /** Every merge of {@code a} and {@code b} that keeps each one's order. */
    private static <T> List<List<T>> interleavings(List<T> a, List<T> b) {
        List<List<T>> all = new ArrayList<>();
        interleave(a, 0, b, 0, new ArrayList<>(), all);
        return all;
    }

    private static <T> void interleave(List<T> a, int i, List<T> b, int j, List<T> prefix, List<List<T>> all) {
        if (i == a.size() && j == b.size()) {
            all.add(List.copyOf(prefix));
            return;
        }
        if (i < a.size()) {
            prefix.add(a.get(i));
            interleave(a, i + 1, b, j, prefix, all);
            prefix.remove(prefix.size() - 1);
        }
        if (j < b.size()) {
            prefix.add(b.get(j));
            interleave(a, i, b, j + 1, prefix, all);
            prefix.remove(prefix.size() - 1);
        }
    }
}
