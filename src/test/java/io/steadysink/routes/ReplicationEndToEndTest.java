package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.utc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.DebeziumConnect;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Probes;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;
import io.steadysink.testing.SourcePostgres;

/**
 * A source PostgreSQL captured by the real Debezium connector on Kafka Connect into the broker,
 * replicated by change-events routes into a second database: after each phase of changes at the
 * source (inserts of every column type the connector writes, infinity and 24:00:00 included, updates, an update leaving large values
 * unchanged, deletes, a primary-key change, a transaction over two tables, a truncate
 * under {@code truncate: allow}, columns added at the source), the target tables hold exactly what the
 * source tables hold. {@code orders} goes through a route whose table is a pattern
 * ({@code replica.{table}}, filled from the topic's name); its target does not exist at start:
 * {@code schema-changes: add} creates it from the first events and adds the column the source gains.
 * {@code customers} lacks the column its source gains, so its writes wait (readiness DOWN, naming the
 * {@code ALTER TABLE}) until the test runs the statement.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(ReplicationEndToEndTest.Replica.class)
class ReplicationEndToEndTest extends SinkUnderTest {

    static final String CAPTURE = "e2e";
    static final String CUSTOMERS = "id, name, email";
    static final String ORDERS = "id, customer_id, amount, placed_at, local_time, day, at_time, status, tags, note,"
            + " mood, qty, doc, raw, small, ratio, at_tz AT TIME ZONE 'UTC', span, ends";
    static final String DOCUMENTS = "id, title, length(body), md5(body), md5(scan), md5(meta::text)";

    public static class Replica implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            SourcePostgres.execute("DROP SCHEMA IF EXISTS shop CASCADE", "CREATE SCHEMA shop",
                    "CREATE TYPE shop.mood AS ENUM ('happy', 'sad')",
                    "CREATE TABLE shop.customers (id integer PRIMARY KEY, name text NOT NULL, email text)",
                    "CREATE TABLE shop.orders (id uuid PRIMARY KEY, customer_id integer NOT NULL,"
                            + " amount numeric(12,2), placed_at timestamptz, local_time timestamp, day date,"
                            + " at_time time, status text, tags text[], note jsonb, mood shop.mood, qty numeric, doc json,"
                            + " raw bytea, small smallint, ratio double precision, at_tz timetz, span interval,"
                            + " ends timestamp)",
                    "INSERT INTO shop.customers VALUES (1, 'Ada', 'ada@example.org'), (2, 'Grace', NULL)",
                    "CREATE TABLE shop.documents (id integer PRIMARY KEY, title text, body text, scan bytea, meta jsonb)");
            LocalPostgres.execute("""
                    DROP SCHEMA IF EXISTS replica CASCADE;
                    CREATE SCHEMA replica;
                    CREATE TABLE replica.customers (id integer PRIMARY KEY, name text NOT NULL, email text,
                        kafka_topic text, kafka_partition integer, kafka_offset bigint);
                    CREATE TABLE replica.documents (id integer PRIMARY KEY, title text, body text, scan bytea,
                        meta jsonb, kafka_topic text, kafka_partition integer, kafka_offset bigint);
                    """);
            // Debezium skips truncates unless told otherwise
            DebeziumConnect.Capture capture = DebeziumConnect.capture(CAPTURE, "shop",
                    Map.of("skipped.operations", "none"));
            Path file = RouteFixture.routeFile("""
                    routes:
                      customers:
                        topics: [%s]
                        table: replica.customers
                        mode: change-events
                      replica:
                        topics: [%s]
                        table: replica.{table}
                        mode: change-events
                        schema-changes: add
                        truncate: allow
                      documents:
                        topics: [%s]
                        table: replica.documents
                        mode: change-events
                    """.formatted(capture.topic("shop", "customers"), capture.topic("shop", "orders"),
                    capture.topic("shop", "documents")));
            return Map.of("sink.routes-file", file.toString(), "sink.topics", "", "sink.group-id", "steady-sink-e2e",
                    "sink.dlq-topic", "e2e-dlq");
        }
    }

    @Test
    void everyPhaseOfChangesAtTheSourceEndsWithTheTargetEqualToTheSource() throws Exception {
        // orders has no rows yet: its table is created from its first events, which the inserts bring
        assertEventually("snapshot of the rows committed before the capture: customers", CUSTOMERS, "customers");

        SourcePostgres.execute("INSERT INTO shop.customers VALUES (3, 'Ümit 日本', 'u@example.org')",
                "INSERT INTO shop.orders VALUES ('00000000-0000-0000-0000-00000000000a', 1, 1234567890.99,"
                        + " '2026-01-02 03:04:05.123456+02', '1969-12-31 23:59:59.999999', '0001-01-01',"
                        + " '23:59:59.999999', 'placed', ARRAY['a', NULL, 'c'], '{\"x\": [1, 2.50, null]}', 'happy',"
                        + " 3.14159, '{\"k\": [1, 2.50]}', '\\xdeadbeef', -32768, 0.1, '13:45:56.5+02',"
                        + " '1 day 02:03:04', 'infinity')",
                // numeric without scale: the connector strips trailing zeros (-0.000120 would land as -0.00012)
                "INSERT INTO shop.orders VALUES ('00000000-0000-0000-0000-00000000000b', 2, -0.05, '-infinity', NULL,"
                        + " '2026-11-30', '24:00:00', NULL, '{}', 'null', 'sad', -0.00012, '[]', '\\x', 32767,"
                        + " -2.5e-300, NULL, '-00:00:01.5', NULL)");
        phase("inserts");
        // created from the events' schemas: the types of the source columns, an enum as text
        assertThat(RouteFixture.rows("SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'replica.orders'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"))
                .startsWith("id uuid", "customer_id integer", "amount numeric(12,2)",
                        "placed_at timestamp with time zone", "local_time timestamp without time zone", "day date",
                        "at_time time without time zone", "status text", "tags text[]", "note jsonb", "mood text",
                        "qty numeric", "doc jsonb", "raw bytea", "small smallint", "ratio double precision",
                        "at_tz time with time zone", "span interval", "ends timestamp without time zone");

        SourcePostgres.execute("UPDATE shop.customers SET email = 'grace@example.org' WHERE id = 2",
                "UPDATE shop.orders SET status = 'paid', amount = 0 WHERE customer_id = 1");
        phase("updates");

        // values over 2 KB that PostgreSQL stores out of line (TOAST): an update leaving them unchanged
        // carries Debezium's placeholder instead, and the target keeps its values
        SourcePostgres.execute("INSERT INTO shop.documents SELECT 1, 'draft', string_agg(md5(i::text), ''),"
                + " decode(string_agg(md5(i::text), ''), 'hex'), jsonb_build_object('pages', string_agg(md5(i::text),"
                + " '')) FROM generate_series(1, 400) i");
        assertEventually("large values", DOCUMENTS, "documents");
        SourcePostgres.execute("UPDATE shop.documents SET title = 'final' WHERE id = 1");
        assertEventually("an update leaving large values unchanged", DOCUMENTS, "documents");

        SourcePostgres.execute("DELETE FROM shop.customers WHERE id = 3",
                "DELETE FROM shop.orders WHERE customer_id = 2");
        phase("deletes");

        SourcePostgres.execute("UPDATE shop.customers SET id = 10 WHERE id = 1");
        phase("a primary-key change");

        SourcePostgres.inTransaction("INSERT INTO shop.customers VALUES (4, 'Hedy', NULL)",
                "INSERT INTO shop.orders VALUES ('00000000-0000-0000-0000-00000000000c', 4, 99.5, now(), NULL, NULL,"
                        + " NULL, 'placed', NULL, NULL)",
                "UPDATE shop.orders SET customer_id = 10 WHERE customer_id = 1");
        phase("a transaction touching both tables");

        SourcePostgres.execute("TRUNCATE shop.orders",
                "INSERT INTO shop.orders VALUES ('00000000-0000-0000-0000-00000000000d', 4, 1.5, NULL, NULL, NULL,"
                        + " NULL, 'placed', NULL, NULL)");
        phase("a truncate, then a new row");

        // orders (schema-changes: add): the column is added with the type of its Connect schema
        SourcePostgres.execute("ALTER TABLE shop.orders ADD COLUMN weight numeric(8,3)",
                "UPDATE shop.orders SET weight = 1.250 WHERE status = 'placed'");
        assertEventually("orders after a column was added", ORDERS + ", weight", "orders");
        assertThat(RouteFixture.rows("SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'replica.orders'::regclass AND attname = 'weight'"))
                .containsExactly("numeric(8,3)");

        // customers (schema-changes: stop): its writes wait, and readiness says for what, until the ALTER ran
        SourcePostgres.execute("ALTER TABLE shop.customers ADD COLUMN vip boolean",
                "UPDATE shop.customers SET vip = (id = 4)");
        String alter = "ALTER TABLE \"replica\".\"customers\" ADD COLUMN IF NOT EXISTS \"vip\" boolean;";
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .untilAsserted(() -> assertThat(Probes.get(ready).body())
                        .contains("DOWNSTREAM_DOWN", "route customers", "vip", alter.replace("\"", "\\\"")));
        assertThat(RouteFixture.rows("SELECT count(*) FROM replica.customers")).containsExactly("3");
        LocalPostgres.execute(alter);
        assertEventually("customers after a column was added", "id, name, email, vip", "customers");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(state()).isNotEqualTo("DOWNSTREAM_DOWN"));

        // the newest batch streamed moments after its source commit: its lag is seconds, not the snapshot's
        String scrape = scrape();
        for (String table : List.of("customers", "orders")) {
            String route = table.equals("orders") ? "replica" : table;
            String series = "{route=\"" + route + "\",table=\"replica." + table + "\"}";
            assertThat(sample(scrape, "steady_sink_replication_lag_seconds_count" + series)).as(table).isPositive();
            assertThat(sample(scrape, "steady_sink_replication_lag_latest_seconds" + series)).as(table)
                    .isBetween(0.0, 60.0);
        }
    }

    /** The value of the sample {@code series} (name and labels as scraped) in {@code scrape}. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no sample " + series + " in the scrape"));
    }

    private void phase(String name) {
        assertEventually(name + ": customers", CUSTOMERS, "customers");
        assertEventually(name + ": orders", ORDERS, "orders");
    }

    private static void assertEventually(String what, String columns, String table) {
        // ignoring exceptions: a table created from its first events is missing until they arrive
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> assertThat(
                RouteFixture.rows(utc(LocalPostgres.dataSource().getConnection()),
                        "SELECT " + columns + " FROM replica." + table
                                + " ORDER BY id"))
                .as(what)
                .isEqualTo(RouteFixture.rows(utc(SourcePostgres.connect()), "SELECT " + columns + " FROM shop." + table
                        + " ORDER BY id")));
    }
}
