package io.steadysink.routes;

import static io.steadysink.routes.DebeziumEvents.array;
import static io.steadysink.routes.DebeziumEvents.decimal;
import static io.steadysink.routes.DebeziumEvents.field;
import static io.steadysink.routes.DebeziumEvents.logical;
import static io.steadysink.routes.DebeziumEvents.row;
import static io.steadysink.routes.DebeziumEvents.struct;
import static io.steadysink.routes.RouteFixture.record;
import static io.steadysink.routes.RouteFixture.routes;
import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

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
import io.steadysink.testing.LogCapture;

/**
 * Routes of mode {@code change-events}: Debezium change events (as Kafka Connect's JsonConverter
 * writes them, with and without schemas, enveloped or unwrapped by ExtractNewRecordState) replicate
 * their source table into a real PostgreSQL table: every op, deletes and their tombstones, primary-key
 * changes, transactions over several tables, every logical type, replays and batches landing out of
 * order.
 */
class ChangeEventRoutesTest {

    private static final String CUSTOMERS = "ce-customers";

    private static final DebeziumEvents CUSTOMER_EVENTS = new DebeziumEvents("srv", "public", "customers",
            List.of(field("id", "int32")),
            List.of(field("id", "int32"), field("name", "string"), field("email", "string")), true);

    private static final String CUSTOMERS_TABLE = """
            CREATE TABLE %s (id integer PRIMARY KEY, name text NOT NULL, email text,
                kafka_topic text, kafka_partition integer, kafka_offset bigint)""";

    /** A sink writing {@code routeFile}'s routes through the routed writer, as the application does. */
    private static final class Sink {
        final RoutedWriter writer;
        final PostgresSink postgres;

        Sink(String routeFile) throws SQLException {
            this(routeFile, InstantSource.system(), ReplicationLag.NONE);
        }

        Sink(String routeFile, InstantSource clock, ReplicationLag lag) throws SQLException {
            List<RouteSpec> specs = routes(routeFile);
            RouteTables tables = new RouteTables(specs, false);
            tables.bind(LocalPostgres.dataSource());
            for (RouteSpec spec : specs) {
                LocalPostgres.execute("DELETE FROM " + RouteTables.TOMBSTONES + " WHERE route = '" + spec.name() + "'; "
                        + "DELETE FROM " + RouteTables.UNCHANGED + " WHERE route = '" + spec.name() + "'");
            }
            writer = new RoutedWriter(Set.of(), Optional.empty(), new RecordValidator(SinkMode.APPEND, 1_000_000),
                    tables);
            postgres = new PostgresSink(LocalPostgres.dataSource(), writer, Duration.ofSeconds(30), clock, lag);
        }

        /** Checks and writes {@code batch} as a worker does; returns the poison records' reasons. */
        List<String> write(List<SinkRecord> batch) throws SQLException {
            var checked = writer.check(batch);
            postgres.write(checked.valid());
            return checked.invalid().stream().map(ChangeEventRoutesTest::reason).toList();
        }
    }

    private static String reason(InvalidRecordException e) {
        return e.getCause().getMessage();
    }

    private static Sink customers(String name, String tombstones) throws SQLException {
        String table = name.replace('-', '_');
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; " + CUSTOMERS_TABLE.formatted(table)
                + (tombstones.contains("mark")
                        ? "; ALTER TABLE " + table
                                + " ADD COLUMN deleted boolean NOT NULL DEFAULT false"
                        : ""));
        return new Sink("""
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: change-events
                %s
                """.formatted(name, CUSTOMERS, table, tombstones.indent(4)));
    }

    private static SinkRecord event(long offset, String key, String value) {
        return record(CUSTOMERS, 0, offset, key, value);
    }

    @Test
    void everyOpBecomesTheSourceRowAndADeleteWithItsTombstoneRemovesIt() throws Exception {
        Sink sink = customers("ce-ops", "tombstones: delete");
        DebeziumEvents e = CUSTOMER_EVENTS;
        List<String> poison = sink.write(List.of(
                event(0, e.key("id", 1), e.read(row("id", 1, "name", "Ada", "email", "ada@example.org"))),
                event(1, e.key("id", 2), e.create(row("id", 2, "name", "Grace", "email", null))),
                event(2, e.key("id", 3), e.create(row("id", 3, "name", "Edsger", "email", "ew@example.org")))));
        assertThat(poison).isEmpty();
        assertThat(rows("SELECT id, name, email, kafka_offset FROM ce_ops ORDER BY id")).containsExactly(
                "1|Ada|ada@example.org|0", "2|Grace|null|1", "3|Edsger|ew@example.org|2");

        poison = sink.write(List.of(
                // the default replica identity: no before image
                event(3, e.key("id", 2), e.update(null, row("id", 2, "name", "Grace H.", "email", "gh@example.org"))),
                // a delete carries only the key (NOT NULL columns hold defaults), then its tombstone
                event(4, e.key("id", 3), e.delete(row("id", 3, "name", "", "email", null))),
                event(5, e.key("id", 3), null),
                event(6, e.key("id", 1), e.update(null, row("id", 1, "name", "Ada L.", "email", null)))));
        assertThat(poison).isEmpty();
        assertThat(rows("SELECT id, name, email, kafka_offset FROM ce_ops ORDER BY id")).containsExactly(
                "1|Ada L.|null|6", "2|Grace H.|gh@example.org|3");
    }

    @Test
    void aDeleteMarksTheRowUnderTombstonesMarkAndALaterCreateClearsTheMark() throws Exception {
        Sink sink = customers("ce-mark", "tombstones: mark\ndeleted-column: deleted");
        DebeziumEvents e = CUSTOMER_EVENTS;
        assertThat(sink.write(List.of(
                event(0, e.key("id", 1), e.create(row("id", 1, "name", "Ada", "email", null))),
                event(1, e.key("id", 2), e.create(row("id", 2, "name", "Grace", "email", null))),
                event(2, e.key("id", 1), e.delete(row("id", 1, "name", "Ada", "email", null))),
                event(3, e.key("id", 1), null),
                event(4, e.key("id", 2), e.delete(row("id", 2, "name", "Grace", "email", null))),
                event(5, e.key("id", 2), null),
                event(6, e.key("id", 2), e.create(row("id", 2, "name", "Grace again", "email", null))))))
                .isEmpty();
        assertThat(rows("SELECT id, name, deleted FROM ce_mark ORDER BY id")).containsExactly("1|Ada|t",
                "2|Grace again|f");
    }

    @Test
    void aPrimaryKeyChangeDeletesTheOldKeyAndCreatesTheNewOne() throws Exception {
        Sink sink = customers("ce-pk", "tombstones: delete");
        DebeziumEvents e = CUSTOMER_EVENTS;
        assertThat(sink.write(List.of(
                event(0, e.key("id", 1), e.create(row("id", 1, "name", "Ada", "email", null))),
                event(1, e.key("id", 2), e.create(row("id", 2, "name", "Grace", "email", null)))))).isEmpty();
        // UPDATE customers SET id = 10 WHERE id = 1: delete + tombstone of the old key, create of the new
        assertThat(sink.write(List.of(
                event(2, e.key("id", 1), e.delete(row("id", 1, "name", "Ada", "email", null))),
                event(3, e.key("id", 1), null),
                event(4, e.key("id", 10), e.create(row("id", 10, "name", "Ada", "email", null)))))).isEmpty();
        assertThat(rows("SELECT id, name FROM ce_pk ORDER BY id")).containsExactly("2|Grace", "10|Ada");
    }

    @Test
    void aTransactionOverTwoTablesLandsInOneBatchIntoBothTables() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_tx_customers, ce_tx_orders;
                CREATE TABLE ce_tx_customers (id integer PRIMARY KEY, name text NOT NULL, email text,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                CREATE TABLE ce_tx_orders (order_no bigint PRIMARY KEY, customer_id integer NOT NULL,
                    amount numeric(10,2), kafka_topic text, kafka_partition integer, kafka_offset bigint);
                """);
        Sink sink = new Sink("""
                routes:
                  ce-tx-customers:
                    topics: [srv.public.customers]
                    table: ce_tx_customers
                    mode: change-events
                  ce-tx-orders:
                    topics: [srv.public.orders]
                    table: ce_tx_orders
                    mode: change-events
                """);
        DebeziumEvents customers = CUSTOMER_EVENTS;
        DebeziumEvents orders = new DebeziumEvents("srv", "public", "orders", List.of(field("order_no", "int64")),
                List.of(field("order_no", "int64"), field("customer_id", "int32"),
                        logical("amount", "bytes", "org.apache.kafka.connect.data.Decimal", "scale", "2")),
                true);
        assertThat(sink.write(List.of(
                record("srv.public.customers", 0, 0, customers.key("id", 7),
                        customers.create(row("id", 7, "name", "Ada", "email", null))),
                record("srv.public.orders", 0, 0, orders.key("order_no", 100),
                        orders.create(row("order_no", 100, "customer_id", 7, "amount", decimal(1999)))),
                record("srv.public.orders", 1, 0, orders.key("order_no", 101),
                        orders.create(row("order_no", 101, "customer_id", 7, "amount", decimal(-5)))))))
                .isEmpty();
        assertThat(rows("SELECT id, name FROM ce_tx_customers")).containsExactly("7|Ada");
        assertThat(rows("SELECT order_no, customer_id, amount FROM ce_tx_orders ORDER BY order_no"))
                .containsExactly("100|7|19.99", "101|7|-0.05");
    }

    // --- a stream of changes written every way ends as the source -------------------------------

    private static final int KEYS = 8;

    /** A seeded stream of changes to a source table, as Debezium emits them, and the source's end state. */
    private record Stream(List<SinkRecord> records, List<String> source) {
    }

    private static Stream stream(DebeziumEvents e, boolean unwrapped, Random random) {
        TreeMap<Integer, String> table = new TreeMap<>();
        long[] offsets = new long[2];
        List<SinkRecord> records = new ArrayList<>();
        for (int step = 0; step < 200; step++) {
            int id = 1 + random.nextInt(KEYS);
            int partition = id % 2;
            String name = "n" + step;
            String email = step % 3 == 0 ? null : "e" + step + "@example.org";
            ObjectNode after = row("id", id, "name", name, "email", email);
            double dice = random.nextDouble();
            if (!table.containsKey(id)) {
                if (dice < 0.1) {
                    continue;
                }
                records.add(record(CUSTOMERS, partition, offsets[partition]++, e.key("id", id),
                        unwrapped ? e.unwrapped(after, "false") : e.create(after)));
                table.put(id, name + "|" + email);
            } else if (dice < 0.25) {
                ObjectNode before = row("id", id, "name", "", "email", null);
                records.add(record(CUSTOMERS, partition, offsets[partition]++, e.key("id", id),
                        unwrapped ? e.unwrapped(before, "true") : e.delete(before)));
                records.add(record(CUSTOMERS, partition, offsets[partition]++, e.key("id", id), null));
                table.remove(id);
            } else {
                records.add(record(CUSTOMERS, partition, offsets[partition]++, e.key("id", id),
                        unwrapped ? e.unwrapped(after, "false") : e.update(null, after)));
                table.put(id, name + "|" + email);
            }
        }
        List<String> source = new ArrayList<>();
        table.forEach((id, row) -> source.add(id + "|" + row));
        return new Stream(List.copyOf(records), source);
    }

    private static List<List<SinkRecord>> batches(List<SinkRecord> records, Random random, int most) {
        List<List<SinkRecord>> batches = new ArrayList<>();
        for (int from = 0; from < records.size();) {
            int to = Math.min(records.size(), from + 1 + random.nextInt(most));
            batches.add(records.subList(from, to));
            from = to;
        }
        return batches;
    }

    private static void everyWayOfWritingEndsAsTheSource(String name, DebeziumEvents events, boolean unwrapped)
            throws Exception {
        Stream stream = stream(events, unwrapped, new Random(16));
        assertThat(stream.source()).as("some rows survive, some are deleted").hasSizeBetween(2, KEYS - 1);
        String select = "SELECT id, name, email FROM %s ORDER BY id";

        Sink one = customers(name + "-one", "tombstones: delete");
        assertThat(one.write(stream.records())).isEmpty();
        assertThat(rows(select.formatted(name.replace('-', '_') + "_one"))).as("one batch")
                .containsExactlyElementsOf(stream.source());

        for (int seed = 1; seed <= 3; seed++) {
            Sink shuffled = customers(name + "-shuffled" + seed, "tombstones: delete");
            Random random = new Random(seed);
            List<List<SinkRecord>> batches = new ArrayList<>(batches(stream.records(), random, 6));
            Collections.shuffle(batches, random);
            for (List<SinkRecord> batch : batches) {
                assertThat(shuffled.write(batch)).isEmpty();
            }
            assertThat(rows(select.formatted(name.replace('-', '_') + "_shuffled" + seed)))
                    .as("batches landing in shuffled order, seed " + seed).containsExactlyElementsOf(stream.source());
        }

        Sink replayed = customers(name + "-replay", "tombstones: delete");
        for (List<SinkRecord> batch : batches(stream.records(), new Random(4), 5)) {
            replayed.write(batch);
        }
        List<String> before = rows(select.formatted(name.replace('-', '_') + "_replay"));
        for (List<SinkRecord> batch : batches(stream.records(), new Random(5), 9)) {
            replayed.write(batch);
        }
        assertThat(rows(select.formatted(name.replace('-', '_') + "_replay")))
                .as("a replay from offset 0 leaves the table as it was, deleted rows deleted").isEqualTo(before)
                .containsExactlyElementsOf(stream.source());
    }

    @Test
    void changeEventsWrittenInOneBatchInShuffledBatchesAndReplayedEndAsTheSourceTable() throws Exception {
        everyWayOfWritingEndsAsTheSource("ce-stream", CUSTOMER_EVENTS, false);
    }

    @Test
    void changeEventsWithoutSchemasEndAsTheSourceTable() throws Exception {
        everyWayOfWritingEndsAsTheSource("ce-plain", CUSTOMER_EVENTS.withSchemas(false), false);
    }

    @Test
    void unwrappedRowsWithDeletedFlagsEndAsTheSourceTable() throws Exception {
        everyWayOfWritingEndsAsTheSource("ce-unwrapped", CUSTOMER_EVENTS, true);
        everyWayOfWritingEndsAsTheSource("ce-unwrapped-plain", CUSTOMER_EVENTS.withSchemas(false), true);
    }

    // --- large values an update left unchanged (TOAST) ----------------------------------------

    private static final String UNAVAILABLE = "__debezium_unavailable_value";

    private static final DebeziumEvents TOAST_EVENTS = new DebeziumEvents("srv", "public", "docs",
            List.of(field("id", "int32")), List.of(field("id", "int32"), field("note", "string"),
                    field("big", "string"), field("raw", "bytes"), logical("doc", "string", "io.debezium.data.Json"),
                    array("tags", field("", "string")), array("nums", field("", "int32"))),
            true);

    private static final String TOAST_SELECT = "SELECT id, note, big, convert_from(raw, 'UTF8'), doc->>'k', tags[1],"
            + " nums[1] FROM %s ORDER BY id";

    private static Sink toastTable(String name, String extraSettings) throws SQLException {
        return toastTable(name, extraSettings, "text");
    }

    private static Sink toastTable(String name, String extraSettings, String bigType) throws SQLException {
        String table = name.replace('-', '_');
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table
                + " (id integer PRIMARY KEY, note text, big " + bigType + ", raw bytea, doc jsonb, tags text[],"
                + " nums integer[], kafka_topic text, kafka_partition integer, kafka_offset bigint)");
        return new Sink("""
                routes:
                  %s:
                    topics: [srv.public.docs]
                    table: %s
                    mode: change-events
                %s
                """.formatted(name, table, extraSettings.indent(4)));
    }

    /** A row whose large columns all hold values derived from {@code big}. */
    private static ObjectNode large(int id, String note, String big, int number) {
        return row("id", id, "note", note, "big", big, "raw",
                java.util.Base64.getEncoder().encodeToString(big.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                "doc", "{\"k\": \"" + big + "\"}", "tags", List.of(big, "t"), "nums", List.of(number, id));
    }

    /** A row as Debezium writes an update that left the large columns unchanged: each holds the placeholder. */
    private static ObjectNode unchanged(int id, String note, String placeholder) {
        byte[] bytes = placeholder.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Integer> asInts = new ArrayList<>();
        for (byte b : bytes) {
            asInts.add((int) b);
        }
        return row("id", id, "note", note, "big", placeholder, "raw",
                java.util.Base64.getEncoder().encodeToString(bytes), "doc", placeholder, "tags", List.of(placeholder),
                "nums", asInts);
    }

    private static SinkRecord doc(long offset, int id, String value) {
        return record("srv.public.docs", 0, offset, TOAST_EVENTS.key("id", id), value);
    }

    @Test
    void anUpdateWhoseLargeColumnsCarryThePlaceholderKeepsTheirValuesFromTheBatchOrTheTable() throws Exception {
        Sink sink = toastTable("ce-toast", "");
        DebeziumEvents e = TOAST_EVENTS;
        List<String> poison = sink.write(List.of(
                doc(0, 1, e.create(large(1, "new", "big-1", 11))),
                doc(1, 2, e.create(large(2, "new", "big-2", 12))),
                // the same batch: the value of the create before it
                doc(2, 2, e.update(null, unchanged(2, "paid", UNAVAILABLE)))));
        assertThat(poison).isEmpty();
        // a later batch: the value the table holds
        assertThat(sink.write(List.of(doc(3, 1, e.update(null, unchanged(1, "paid", UNAVAILABLE)))))).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast"))).containsExactly(
                "1|paid|big-1|big-1|big-1|big-1|11", "2|paid|big-2|big-2|big-2|big-2|12");

        // a placeholder after a change of the large value keeps the changed value
        assertThat(sink.write(List.of(doc(4, 1, e.update(null, large(1, "grown", "big-1b", 21))),
                doc(5, 1, e.update(null, unchanged(1, "again", UNAVAILABLE)))))).isEmpty();
        assertThat(sink.write(List.of(doc(6, 1, e.update(null, unchanged(1, "thrice", UNAVAILABLE)))))).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast"))).first()
                .isEqualTo("1|thrice|big-1b|big-1b|big-1b|big-1b|21");
        String sources = "SELECT identity[1], kafka_offset, sources FROM " + RouteTables.UNCHANGED
                + " WHERE route = 'ce-toast' ORDER BY 1";
        assertThat(rows(sources)).as("where the values of rows whose newest write lacked them came from")
                .containsExactly("1|6|{\"big\": 4, \"doc\": 4, \"raw\": 4, \"nums\": 4, \"tags\": 4}",
                        "2|2|{\"big\": 1, \"doc\": 1, \"raw\": 1, \"nums\": 1, \"tags\": 1}");

        // a delete, or a write of all its values, leaves nothing to remember
        assertThat(sink.write(List.of(doc(7, 1, e.delete(row("id", 1))), doc(8, 1, null),
                doc(9, 2, e.update(null, large(2, "new again", "big-2b", 22)))))).isEmpty();
        assertThat(rows(sources)).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast")))
                .containsExactly("2|new again|big-2b|big-2b|big-2b|big-2b|22");
    }

    @Test
    void aReplayOfUpdatesCarryingThePlaceholderChangesNothingAlsoForANotNullColumnWithoutDefault()
            throws Exception {
        Sink sink = toastTable("ce-toast-notnull", "", "text NOT NULL");
        DebeziumEvents e = TOAST_EVENTS;
        List<SinkRecord> changes = List.of(doc(0, 1, e.create(large(1, "new", "big-1", 11))),
                doc(1, 1, e.update(null, unchanged(1, "paid", UNAVAILABLE))),
                doc(2, 1, e.update(null, unchanged(1, "sent", UNAVAILABLE))));
        for (SinkRecord change : changes) {
            assertThat(sink.write(List.of(change))).isEmpty();
        }
        for (SinkRecord change : changes) {
            assertThat(sink.write(List.of(change))).as("replayed alone").isEmpty();
        }
        assertThat(sink.write(changes.subList(1, 3))).as("replayed together").isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast_notnull"))).containsExactly(
                "1|sent|big-1|big-1|big-1|big-1|11");
    }

    @Test
    void anotherPlaceholderIsRecognisedWhereTheRouteNamesIt() throws Exception {
        Sink sink = toastTable("ce-toast-named", "unavailable-value-placeholder: __toasted__");
        DebeziumEvents e = TOAST_EVENTS;
        assertThat(sink.write(List.of(doc(0, 1, e.create(large(1, "new", "big-1", 11))),
                doc(1, 1, e.update(null, unchanged(1, "paid", "__toasted__")))))).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast_named"))).containsExactly("1|paid|big-1|big-1|big-1|big-1|11");
    }

    @Test
    void aPlaceholderForARowTheTableDoesNotHaveWritesTheColumnsDefaultAndSaysSo() throws Exception {
        LogCapture.install("io.steadysink.sink");
        Sink sink = toastTable("ce-toast-missing", "", "text DEFAULT 'unknown'");
        DebeziumEvents e = TOAST_EVENTS;
        assertThat(sink.write(List.of(doc(7, 1, e.update(null, unchanged(1, "paid", UNAVAILABLE)))))).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted("ce_toast_missing"))).containsExactly(
                "1|paid|unknown|null|null|null|null");
        assertThat(LogCapture.lines("io.steadysink.sink")).anySatisfy(line -> assertThat(line).startsWith("WARN")
                .contains("route ce-toast-missing", "ce_toast_missing", "srv.public.docs-0@7", "big, raw, doc, tags,"
                        + " nums")
                .doesNotContain(UNAVAILABLE));
    }

    /** A stream where most updates leave the large columns unchanged, and the source table's end state. */
    private static Stream toastStream(Random random, DebeziumEvents e, boolean unwrapped) {
        TreeMap<Integer, String[]> table = new TreeMap<>(); // id -> note, big, number
        long[] offsets = new long[2];
        List<SinkRecord> records = new ArrayList<>();
        for (int step = 0; step < 240; step++) {
            int id = 1 + random.nextInt(KEYS);
            int partition = id % 2;
            double dice = random.nextDouble();
            String key = e.key("id", id);
            String note = "n" + step;
            ObjectNode after;
            if (!table.containsKey(id)) {
                after = large(id, note, "b" + step, step);
                records.add(record("srv.public.docs", partition, offsets[partition]++, key,
                        unwrapped ? e.unwrapped(after, "false") : e.create(after)));
                table.put(id, new String[]{note, "b" + step, Integer.toString(step)});
                continue;
            }
            if (dice < 0.15) {
                records.add(record("srv.public.docs", partition, offsets[partition]++, key,
                        unwrapped ? e.unwrapped(row("id", id), "true") : e.delete(row("id", id))));
                records.add(record("srv.public.docs", partition, offsets[partition]++, key, null));
                table.remove(id);
                continue;
            }
            if (dice < 0.4) {
                after = large(id, note, "b" + step, step);
                table.put(id, new String[]{note, "b" + step, Integer.toString(step)});
            } else {
                after = unchanged(id, note, UNAVAILABLE);
                table.get(id)[0] = note;
            }
            records.add(record("srv.public.docs", partition, offsets[partition]++, key,
                    unwrapped ? e.unwrapped(after, "false") : e.update(null, after)));
        }
        List<String> source = new ArrayList<>();
        table.forEach((id, row) -> source.add(id + "|" + row[0] + "|" + row[1] + "|" + row[1] + "|" + row[1] + "|"
                + row[1] + "|" + row[2]));
        return new Stream(List.copyOf(records), source);
    }

    private static void everyWayOfWritingLargeValuesEndsAsTheSource(String name, DebeziumEvents events,
            boolean unwrapped) throws Exception {
        Stream stream = toastStream(new Random(16), events, unwrapped);
        assertThat(stream.source()).as("some rows survive, some are deleted").hasSizeBetween(2, KEYS - 1);
        String table = name.replace('-', '_');

        Sink one = toastTable(name + "-one", "");
        assertThat(one.write(stream.records())).isEmpty();
        assertThat(rows(TOAST_SELECT.formatted(table + "_one"))).as("one batch")
                .containsExactlyElementsOf(stream.source());

        for (int seed = 1; seed <= 4; seed++) {
            Sink shuffled = toastTable(name + "-shuffled" + seed, "");
            Random random = new Random(seed);
            List<List<SinkRecord>> batches = new ArrayList<>(batches(stream.records(), random, 6));
            Collections.shuffle(batches, random);
            for (List<SinkRecord> batch : batches) {
                assertThat(shuffled.write(batch)).isEmpty();
            }
            assertThat(rows(TOAST_SELECT.formatted(table + "_shuffled" + seed)))
                    .as("batches landing in shuffled order, seed " + seed).containsExactlyElementsOf(stream.source());
        }

        Sink replayed = toastTable(name + "-replay", "");
        for (List<SinkRecord> batch : batches(stream.records(), new Random(4), 5)) {
            assertThat(replayed.write(batch)).isEmpty();
        }
        List<String> before = rows(TOAST_SELECT.formatted(table + "_replay"));
        for (List<SinkRecord> batch : batches(stream.records(), new Random(5), 9)) {
            replayed.write(batch);
        }
        assertThat(rows(TOAST_SELECT.formatted(table + "_replay")))
                .as("a replay from offset 0 leaves the table as it was").isEqualTo(before)
                .containsExactlyElementsOf(stream.source());
    }

    @Test
    void updatesLeavingLargeValuesUnchangedInOneBatchShuffledBatchesAndReplayedEndAsTheSourceTable()
            throws Exception {
        everyWayOfWritingLargeValuesEndsAsTheSource("ce-toast", TOAST_EVENTS, false);
    }

    @Test
    void unwrappedRowsWithoutSchemasLeavingLargeValuesUnchangedEndAsTheSourceTable() throws Exception {
        everyWayOfWritingLargeValuesEndsAsTheSource("ce-toast-flat", TOAST_EVENTS.withSchemas(false), true);
    }

    // --- types ----------------------------------------------------------------------------------

    private static final String TYPES_TABLE = """
            DROP TABLE IF EXISTS ce_types; DROP TYPE IF EXISTS ce_mood;
            CREATE TYPE ce_mood AS ENUM ('happy', 'sad');
            CREATE TABLE ce_types (id bigint PRIMARY KEY, amount numeric(12,2), whole numeric(10,0), anyscale numeric,
                day date, old_day date, at_ms time(3), at_us time, at_ns time, ts_ms timestamp(3), ts_us timestamp,
                ts_ns timestamp, ts_old timestamp, zoned timestamptz, uid uuid, doc jsonb, mood ce_mood, tags text[],
                nums integer[], raw bytea, flag boolean, small smallint, ratio double precision,
                kafka_topic text, kafka_partition integer, kafka_offset bigint)""";

    private static final DebeziumEvents TYPE_EVENTS = new DebeziumEvents("srv", "public", "types",
            List.of(field("id", "int64")), List.of(field("id", "int64"),
                    logical("amount", "bytes", "org.apache.kafka.connect.data.Decimal", "scale", "2",
                            "connect.decimal.precision", "12"),
                    logical("whole", "bytes", "org.apache.kafka.connect.data.Decimal", "scale", "0"),
                    struct("anyscale", "io.debezium.data.VariableScaleDecimal", field("scale", "int32"),
                            field("value", "bytes")),
                    logical("day", "int32", "io.debezium.time.Date"),
                    logical("old_day", "int32", "org.apache.kafka.connect.data.Date"),
                    logical("at_ms", "int32", "io.debezium.time.Time"),
                    logical("at_us", "int64", "io.debezium.time.MicroTime"),
                    logical("at_ns", "int64", "io.debezium.time.NanoTime"),
                    logical("ts_ms", "int64", "io.debezium.time.Timestamp"),
                    logical("ts_us", "int64", "io.debezium.time.MicroTimestamp"),
                    logical("ts_ns", "int64", "io.debezium.time.NanoTimestamp"),
                    logical("ts_old", "int64", "org.apache.kafka.connect.data.Timestamp"),
                    logical("zoned", "string", "io.debezium.time.ZonedTimestamp"),
                    logical("uid", "string", "io.debezium.data.Uuid"),
                    logical("doc", "string", "io.debezium.data.Json"),
                    logical("mood", "string", "io.debezium.data.Enum", "allowed", "happy,sad"),
                    array("tags", field("", "string")), array("nums", field("", "int32")),
                    field("raw", "bytes"), field("flag", "boolean"), field("small", "int16"),
                    field("ratio", "double")),
            true);

    private static final String TYPES_SELECT = "SELECT id, amount, whole, anyscale, day, old_day, at_ms, at_us, at_ns,"
            + " ts_ms, ts_us, ts_ns, ts_old, zoned AT TIME ZONE 'UTC', uid, doc, mood, tags, nums, raw, flag, small,"
            + " ratio FROM ce_types ORDER BY id";

    @Test
    void everyConnectAndDebeziumLogicalTypeConvertsExactlyWithItsSchema() throws Exception {
        LocalPostgres.execute(TYPES_TABLE);
        Sink sink = new Sink("""
                routes:
                  ce-types:
                    topics: [srv.public.types]
                    table: ce_types
                    mode: change-events
                """);
        DebeziumEvents e = TYPE_EVENTS;
        ObjectNode edges = row("id", 1, "amount", decimal(-1234), "whole", decimal(9_876_543_210L),
                "anyscale", row("scale", 5, "value", decimal(-123_456_789)),
                "day", -25_567, "old_day", -719_162, "at_ms", 45_296_789, "at_us", 45_296_789_012L,
                "at_ns", 45_296_789_012_000L, "ts_ms", -1, "ts_us", 1_767_225_600_123_456L,
                "ts_ns", 1_767_225_600_123_456_000L, "ts_old", 0, "zoned", "2026-01-01T00:00:00.5Z",
                "uid", "6f1c1d4e-2b1f-4a7e-9d3c-0a1b2c3d4e5f", "doc", "{\"a\": [1, 2], \"b\": null}",
                "mood", "sad", "tags", java.util.Arrays.asList("x", null, "z"), "nums", List.of(1, -2),
                "raw", "3q2+7w==", "flag", true, "small", -32768, "ratio", 0.5);
        ObjectNode scaleZero = row("id", 2, "amount", decimal(0), "whole", decimal(-7),
                "anyscale", row("scale", 0, "value", decimal(42)), "day", 0, "at_us", 0, "tags", List.of());
        ObjectNode nulls = row("id", 3);
        List<String> poison = sink.write(List.of(
                record("srv.public.types", 0, 0, e.key("id", 1), e.create(edges)),
                record("srv.public.types", 0, 1, e.key("id", 2), e.create(scaleZero)),
                record("srv.public.types", 0, 2, e.key("id", 3), e.create(nulls))));
        assertThat(poison).isEmpty();
        assertThat(rows(TYPES_SELECT)).containsExactly(
                "1|-12.34|9876543210|-1234.56789|1900-01-01|0001-01-01|12:34:56.789|12:34:56.789012"
                        + "|12:34:56.789012|1969-12-31 23:59:59.999|2026-01-01 00:00:00.123456"
                        + "|2026-01-01 00:00:00.123456|1970-01-01 00:00:00|2026-01-01 00:00:00.5"
                        + "|6f1c1d4e-2b1f-4a7e-9d3c-0a1b2c3d4e5f|{\"a\": [1, 2], \"b\": null}|sad|{x,NULL,z}|{1,-2}"
                        + "|\\xdeadbeef|t|-32768|0.5",
                "2|0.00|-7|42|1970-01-01|null|null|00:00:00|null|null|null|null|null|null|null|null|null|{}"
                        + "|null|null|null|null|null",
                "3|null|null|null|null|null|null|null|null|null|null|null|null|null|null|null|null|null|null|null"
                        + "|null|null|null");
    }

    private static final DebeziumEvents EDGE_EVENTS = new DebeziumEvents("srv", "public", "edges",
            List.of(field("id", "int64")), List.of(field("id", "int64"),
                    logical("day", "int32", "io.debezium.time.Date"),
                    logical("ts_ms", "int64", "io.debezium.time.Timestamp"),
                    logical("ts_us", "int64", "io.debezium.time.MicroTimestamp"),
                    logical("zoned", "string", "io.debezium.time.ZonedTimestamp"),
                    logical("at_us", "int64", "io.debezium.time.MicroTime"),
                    logical("at_ms", "int32", "io.debezium.time.Time"),
                    logical("at_tz", "string", "io.debezium.time.ZonedTime"),
                    logical("span", "int64", "io.debezium.time.MicroDuration"),
                    logical("span_text", "string", "io.debezium.time.Interval"), field("note", "string")),
            true);

    @Test
    void timetzIntervalInfinityAndTheEndOfTheDayConvertExactlyWithTheirSchemas() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_edges;
                CREATE TABLE ce_edges (id bigint PRIMARY KEY, day date, ts_ms timestamp(3), ts_us timestamp,
                    zoned timestamptz, at_us time, at_ms time(3), at_tz timetz, span interval, span_text interval,
                    note text, kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        Sink sink = new Sink("""
                routes:
                  ce-edges:
                    topics: [srv.public.edges]
                    table: ce_edges
                    mode: change-events
                """);
        DebeziumEvents e = EDGE_EVENTS;
        // what Debezium 3.6 writes for infinity, -infinity and 24:00:00 (src/test/resources/debezium/types/)
        ObjectNode infinity = row("id", 1, "day", -2_147_472_692L, "ts_ms", 9_223_372_036_825_200L, "ts_us",
                9_223_372_036_825_200_000L, "zoned", "infinity", "at_us", 86_400_000_000L, "at_ms", 86_400_000,
                "at_tz", "00:00:00Z", "span", 93_784_000_000L, "span_text", "P0Y-10M3DT-4H-5M-6.789S");
        ObjectNode minusInfinity = row("id", 2, "day", -2_147_472_691L, "ts_ms", -9_223_372_036_832_400L, "ts_us",
                -9_223_372_036_832_400_000L, "zoned", "-infinity", "at_us", 0, "at_ms", 0, "at_tz",
                "17:15:56.123456Z", "span", -93_784_000_000L, "span_text", "P0Y1M0DT0H0M0S");
        // numeric interval handling counts a month as 30.4375 days: it arrives as days and time
        ObjectNode month = row("id", 3, "span", 2_629_800_000_000L, "span_text", "P0Y0M0DT0H0M0S");
        List<String> poison = sink.write(List.of(
                record("srv.public.edges", 0, 0, e.key("id", 1), e.create(infinity)),
                record("srv.public.edges", 0, 1, e.key("id", 2), e.create(minusInfinity)),
                record("srv.public.edges", 0, 2, e.key("id", 3), e.create(month))));
        assertThat(poison).isEmpty();
        assertThat(rows("SELECT id, day, ts_ms, ts_us, zoned AT TIME ZONE 'UTC', at_us, at_ms, at_tz, span, span_text"
                + " FROM ce_edges ORDER BY id")).containsExactly(
                        "1|infinity|infinity|infinity|infinity|24:00:00|24:00:00|00:00:00+00|1 day 02:03:04"
                                + "|-10 mons +3 days -04:05:06.789",
                        "2|-infinity|-infinity|-infinity|-infinity|00:00:00|00:00:00|17:15:56.123456+00"
                                + "|-1 days -02:03:04|1 mon",
                        "3|null|null|null|null|null|null|null|30 days 10:30:00|00:00:00");
    }

    @Test
    void infinityIsTakenOnlyWhereTheLogicalTypeSaysItAndOnlyIntoDatesAndTimestamps() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_no_infinity;
                CREATE TABLE ce_no_infinity (id bigint PRIMARY KEY, day date, ts_us timestamp, zoned timestamptz,
                    at_us time, note text, kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        Sink typed = new Sink("""
                routes:
                  ce-no-infinity:
                    topics: [srv.public.edges]
                    table: ce_no_infinity
                    mode: change-events
                    columns:
                      note: /zoned
                """);
        DebeziumEvents e = EDGE_EVENTS;
        List<String> poison = typed.write(List.of(
                record("srv.public.edges", 0, 0, e.key("id", 1), e.create(row("id", 1, "day", -2_147_472_690L))),
                record("srv.public.edges", 0, 1, e.key("id", 2),
                        e.create(row("id", 2, "ts_us", 9_223_372_036_825_200_001L))),
                record("srv.public.edges", 0, 2, e.key("id", 3), e.create(row("id", 3, "zoned", "infinity"))),
                record("srv.public.edges", 0, 3, e.key("id", 4), e.create(row("id", 4, "at_us", 86_400_000_001L)))));
        assertThat(poison).hasSize(4);
        assertThat(poison.get(0)).contains("column day", "not an ISO-8601 date");
        assertThat(poison.get(1)).contains("column ts_us", "outside the years 1 to 9999");
        assertThat(poison.get(2)).contains("column note", "infinity, which text cannot hold");
        assertThat(poison.get(3)).contains("column at_us", "outside the 24 hours of a day");

        Sink plain = new Sink("""
                routes:
                  ce-no-infinity-plain:
                    topics: [srv.public.plain_edges]
                    table: ce_no_infinity
                    mode: change-events
                """);
        DebeziumEvents schemaless = new DebeziumEvents("srv", "public", "plain_edges",
                List.of(field("id", "int64")), List.of(), false);
        poison = plain.write(List.of(
                record("srv.public.plain_edges", 0, 0, schemaless.key("id", 5),
                        schemaless.create(row("id", 5, "day", "infinity"))),
                record("srv.public.plain_edges", 0, 1, schemaless.key("id", 6),
                        schemaless.create(row("id", 6, "zoned", "-infinity")))));
        assertThat(poison).hasSize(2);
        assertThat(poison.get(0)).contains("column day", "not an ISO-8601 date");
        assertThat(poison.get(1)).contains("column zoned", "not an ISO-8601 date-time");
        assertThat(rows("SELECT count(*) FROM ce_no_infinity")).containsExactly("0");
    }

    @Test
    void withoutSchemasValuesConvertByTheColumnTypesAndJsonTextBecomesJson() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_plain_types;
                CREATE TABLE ce_plain_types (id bigint PRIMARY KEY, amount numeric(12,2), zoned timestamptz,
                    ts_us timestamp, doc jsonb, uid uuid, raw bytea,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        // decimal.handling.mode=string; timestamps as epoch microseconds need their unit declared
        Sink sink = new Sink("""
                routes:
                  ce-plain-types:
                    topics: [srv.public.plain]
                    table: ce_plain_types
                    mode: change-events
                    epoch-units:
                      ts_us: micros
                """);
        DebeziumEvents e = new DebeziumEvents("srv", "public", "plain", List.of(field("id", "int64")), List.of(),
                false);
        assertThat(sink.write(List.of(record("srv.public.plain", 0, 0, e.key("id", 1), e.create(row("id", 1,
                "amount", "-0.50", "zoned", "2026-01-01T10:00:00Z", "ts_us", 1_767_225_600_000_001L, "doc",
                "{\"k\": \"v\"}", "uid", "6f1c1d4e-2b1f-4a7e-9d3c-0a1b2c3d4e5f", "raw", "AAE=")))))).isEmpty();
        assertThat(rows("SELECT id, amount, zoned AT TIME ZONE 'UTC', ts_us, doc, doc->>'k', uid, raw"
                + " FROM ce_plain_types")).containsExactly("1|-0.50|2026-01-01 10:00:00|2026-01-01 00:00:00.000001"
                        + "|{\"k\": \"v\"}|v|6f1c1d4e-2b1f-4a7e-9d3c-0a1b2c3d4e5f|\\x0001");
    }

    // --- defaults, poison --------------------------------------------------------------------------

    @Test
    void aNullInTheEventStaysNullWhereTheColumnHasADefaultAndAFieldTheEventLacksTakesTheDefault()
            throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_defaults;
                CREATE TABLE ce_defaults (id integer PRIMARY KEY, status text DEFAULT 'new',
                    origin text NOT NULL DEFAULT 'replica', kafka_topic text, kafka_partition integer,
                    kafka_offset bigint)""");
        Sink sink = new Sink("""
                routes:
                  ce-defaults:
                    topics: [ce-defaults]
                    table: ce_defaults
                    mode: change-events
                """);
        DebeziumEvents e = new DebeziumEvents("srv", "public", "defaults", List.of(field("id", "int32")),
                List.of(field("id", "int32"), field("status", "string")), false);
        assertThat(sink.write(List.of(
                record("ce-defaults", 0, 0, e.key("id", 1), e.create(row("id", 1, "status", null))),
                record("ce-defaults", 0, 1, e.key("id", 2), e.create(row("id", 2)))))).isEmpty();
        assertThat(rows("SELECT id, status, origin FROM ce_defaults ORDER BY id")).containsExactly(
                "1|null|replica", "2|new|replica");
    }

    @Test
    void eachCommittedChangeEventsReplicationLagIsTheWallClockAtCommitMinusItsSourceCommit() throws Exception {
        String table = "ce_lag";
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; " + CUSTOMERS_TABLE.formatted(table)
                + "; ALTER TABLE " + table + " ADD CONSTRAINT named CHECK (name <> 'refused')");
        long source = 1_767_225_600_000L; // source.ts_ms of the events below
        Instant[] now = {Instant.ofEpochMilli(source + 1_500)};
        List<String> told = new ArrayList<>();
        Sink sink = new Sink("""
                routes:
                  ce-lag:
                    topics: [%s]
                    table: %s
                    mode: change-events
                """.formatted(CUSTOMERS, table), () -> now[0],
                (route, target, lags) -> told.add(route + " " + target + " " + lags));
        DebeziumEvents e = CUSTOMER_EVENTS;

        sink.write(List.of(event(0, e.key("id", 1), e.create(row("id", 1, "name", "Ada", "email", null))),
                event(1, e.key("id", 1), e.update(null, row("id", 1, "name", "Ada L.", "email", null))),
                event(2, e.key("id", 2), e.create(row("id", 2, "name", "Grace", "email", null))),
                event(3, e.key("id", 2), e.delete(row("id", 2, "name", "", "email", null))),
                event(4, e.key("id", 2), null)));
        // every event that says when its source committed, superseded ones included; the tombstone does not
        assertThat(told).containsExactly("ce-lag " + table + " [PT1.5S, PT1.5S, PT1.5S, PT1.5S]");

        told.clear();
        now[0] = Instant.ofEpochMilli(source + 60_000);
        assertThatThrownBy(() -> sink.write(
                List.of(event(5, e.key("id", 3), e.create(row("id", 3, "name", "refused", "email", null))))))
                .isInstanceOf(SQLException.class);
        assertThat(told).as("a batch rolled back tells no lag").isEmpty();

        ObjectNode unwrapped = row("id", 4, "name", "Edsger", "email", null);
        unwrapped.put("__source_ts_ms", source + 2_000);
        sink.write(List.of(event(6, e.key("id", 4), e.unwrapped(unwrapped, null)),
                event(7, e.key("id", 5), e.unwrapped(row("id", 5, "name", "Barbara", "email", null), null))));
        // an unwrapped row tells its __source_ts_ms; one without it gives no sample
        assertThat(told).containsExactly("ce-lag " + table + " [PT58S]");
    }

    @Test
    void aTruncateIsPoisonNamingTheRouteAndTheTable() throws Exception {
        Sink sink = customers("ce-truncate", "tombstones: delete");
        DebeziumEvents e = CUSTOMER_EVENTS;
        List<String> poison = sink.write(List.of(
                event(0, e.key("id", 1), e.create(row("id", 1, "name", "Ada", "email", null))),
                event(1, null, e.truncate())));
        assertThat(poison).singleElement().asString().contains("route ce-truncate", "truncate", "ce_truncate");
        assertThat(rows("SELECT id FROM ce_truncate")).containsExactly("1");
    }

    @Test
    void aValueThatDoesNotFitIsPoisonNamingRouteFieldColumnAndTypeButNotTheValue() throws Exception {
        LocalPostgres.execute(TYPES_TABLE);
        Sink sink = new Sink("""
                routes:
                  ce-types-poison:
                    topics: [srv.public.types]
                    table: ce_types
                    mode: change-events
                """);
        DebeziumEvents e = TYPE_EVENTS;
        List<String> poison = sink.write(List.of(
                record("srv.public.types", 0, 0, e.key("id", 1), e.create(row("id", 1, "amount", "secret!"))),
                record("srv.public.types", 0, 1, e.key("id", 2), e.create(row("id", 2, "mood", "furious"))),
                record("srv.public.types", 0, 2, e.key("id", 3), e.create(row("id", 3, "at_ns", 1_000_000_001L))),
                record("srv.public.types", 0, 3, null, e.create(row("id", 4)))));
        assertThat(poison).hasSize(4);
        assertThat(poison.get(0)).contains("route ce-types-poison", "amount", "numeric(12,2)",
                "org.apache.kafka.connect.data.Decimal").doesNotContain("secret");
        assertThat(poison.get(1)).contains("route ce-types-poison", "/mood", "column mood", "ce_mood")
                .doesNotContain("furious");
        assertThat(poison.get(2)).contains("column at_ns", "more precise");
        assertThat(poison.get(3)).contains("column id", "no value");
        assertThat(rows("SELECT count(*) FROM ce_types")).containsExactly("0");
    }

    // --- binding --------------------------------------------------------------------------------

    @Test
    void identityDefaultsToThePrimaryKeyFromTheKeyAndEveryOtherColumnToTheRowFieldOfItsName() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_bind;
                CREATE TABLE ce_bind (tenant text, id bigint, "a/b" text, total integer GENERATED ALWAYS AS (id * 2)
                    STORED, note text, deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (tenant, id),
                    kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        var bound = RouteFixture.bound(RouteFixture.route("""
                routes:
                  ce-bind:
                    topics: [ce-bind]
                    table: ce_bind
                    mode: change-events
                    tombstones: mark
                    deleted-column: deleted
                    columns:
                      note: /remark
                """));
        assertThat(bound.identity()).containsExactly("tenant", "id");
        assertThat(bound.columns()).extracting(c -> c.name() + " <- " + c.source()).containsExactly(
                "tenant <- KeyPointer[pointer=/tenant]", "id <- KeyPointer[pointer=/id]",
                "a/b <- ValuePointer[pointer=/a~1b]", "note <- ValuePointer[pointer=/remark]",
                "kafka_topic <- Kafka[field=TOPIC]", "kafka_partition <- Kafka[field=PARTITION]",
                "kafka_offset <- Kafka[field=OFFSET]");
    }

    @Test
    void aTableWithoutPrimaryKeyIsRefusedAtStartUp() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_nokey;
                CREATE TABLE ce_nokey (id bigint, kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        assertThat(RouteFixture.binding(RouteFixture.route("""
                routes:
                  ce-nokey:
                    topics: [ce-nokey]
                    table: ce_nokey
                    mode: change-events
                """)).findings()).singleElement().asString().contains("route ce-nokey", "ce_nokey",
                "no primary key", "identity");
    }

    @Test
    void aJsonNullForANotNullColumnIsPoisonWhileAMissingFieldTakesItsDefault() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS ce_notnull;
                CREATE TABLE ce_notnull (id integer PRIMARY KEY, origin text NOT NULL DEFAULT 'replica',
                    kafka_topic text, kafka_partition integer, kafka_offset bigint)""");
        Sink sink = new Sink("""
                routes:
                  ce-notnull:
                    topics: [ce-notnull]
                    table: ce_notnull
                    mode: change-events
                """);
        DebeziumEvents e = new DebeziumEvents("srv", "public", "notnull", List.of(field("id", "int32")),
                List.of(field("id", "int32"), field("origin", "string")), true);
        List<String> poison = sink.write(List.of(
                record("ce-notnull", 0, 0, e.key("id", 1), e.create(row("id", 1, "origin", null))),
                record("ce-notnull", 0, 1, e.key("id", 2), e.create(row("id", 2)))));
        assertThat(poison).singleElement().asString().contains("route ce-notnull", "/origin", "column origin",
                "JSON null", "NOT NULL");
        assertThat(rows("SELECT id, origin FROM ce_notnull")).containsExactly("2|replica");
    }
}
