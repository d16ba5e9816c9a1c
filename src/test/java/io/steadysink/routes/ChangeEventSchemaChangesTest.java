package io.steadysink.routes;

import static io.steadysink.routes.DebeziumEvents.field;
import static io.steadysink.routes.DebeziumEvents.row;
import static io.steadysink.routes.RouteFixture.record;
import static io.steadysink.routes.RouteFixture.routes;
import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.failure.DatabaseRetry;
import io.steadysink.failure.FailureClass;
import io.steadysink.failure.IsolatingWriter;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.RouteTables;
import io.steadysink.sink.RoutedWriter;
import io.steadysink.sink.SinkRecord;
import io.steadysink.testing.LocalPostgres;

/**
 * A {@code change-events} route while its source table changes: a column added to the target while
 * running is written without a restart; a field the source added that the target lacks stops the
 * route's writes (retried in place, nothing lost) with the {@code ALTER TABLE} to run, and they
 * resume once it ran; with {@code schema-changes: add} steady-sink adds the column with the type of
 * the field's Connect schema, and creates a missing table from the first event's schema.
 */
class ChangeEventSchemaChangesTest {

    private static final String TOPIC = "ev-customers";

    /** The source table before and after {@code ALTER TABLE customers ADD COLUMN email text}. */
    private static final DebeziumEvents NARROW = new DebeziumEvents("srv", "public", "customers",
            List.of(field("id", "int32")), List.of(field("id", "int32"), field("name", "string")), true);
    private static final DebeziumEvents WIDE = new DebeziumEvents("srv", "public", "customers",
            List.of(field("id", "int32")),
            List.of(field("id", "int32"), field("name", "string"), field("email", "string")), true);

    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor();

    @AfterAll
    static void stopWorker() {
        WORKER.shutdownNow();
    }

    /** A sink writing {@code routeFile}'s routes through the routed writer, as the application does. */
    private static final class Sink {
        final RoutedWriter writer;
        final PostgresSink postgres;

        Sink(String routeFile) throws SQLException {
            List<RouteSpec> specs = routes(routeFile);
            RouteTables tables = new RouteTables(specs, false);
            tables.bind(LocalPostgres.dataSource());
            for (RouteSpec spec : specs) {
                LocalPostgres.execute("DELETE FROM " + RouteTables.TOMBSTONES + " WHERE route = '" + spec.name() + "'");
            }
            writer = new RoutedWriter(Set.of(), Optional.empty(), new RecordValidator(SinkMode.APPEND, 1_000_000),
                    tables);
            postgres = new PostgresSink(LocalPostgres.dataSource(), writer, Duration.ofSeconds(30));
        }

        /** Checks and writes {@code batch} as a worker does (one attempt); asserts no record is poison. */
        void write(SinkRecord... batch) throws SQLException {
            var checked = writer.check(List.of(batch));
            assertThat(checked.invalid()).isEmpty();
            postgres.write(checked.valid());
        }
    }

    private static String route(String name, String table, String settings) {
        return """
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: change-events
                %s
                """.formatted(name, TOPIC, table, settings.indent(4));
    }

    private static void narrowTable(String table) {
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + "; CREATE TABLE " + table
                + " (id integer PRIMARY KEY, name text, kafka_topic text, kafka_partition integer, kafka_offset bigint)");
    }

    private static SinkRecord event(long offset, String key, String value) {
        return record(TOPIC, 0, offset, key, value);
    }

    @Test
    void aColumnAddedToTheTargetWhileRunningIsWrittenWithoutARestart() throws Exception {
        narrowTable("ev_target_added");
        Sink sink = new Sink(route("ev-target-added", "ev_target_added", ""));
        sink.write(event(0, NARROW.key("id", 1), NARROW.create(row("id", 1, "name", "Ada"))));

        LocalPostgres.execute("ALTER TABLE ev_target_added ADD COLUMN email text");
        sink.write(event(1, WIDE.key("id", 2), WIDE.create(row("id", 2, "name", "Grace", "email", "g@example.org"))));

        assertThat(rows("SELECT id, name, email FROM ev_target_added ORDER BY id")).containsExactly("1|Ada|null",
                "2|Grace|g@example.org");
    }

    @Test
    void aFieldTheTargetLacksStopsTheRouteWithTheAlterToRunAndItsRecordsLandOnceItRan() throws Exception {
        narrowTable("ev_stop");
        Sink sink = new Sink(route("ev-stop", "ev_stop", ""));
        sink.write(event(0, NARROW.key("id", 1), NARROW.create(row("id", 1, "name", "Ada"))));
        SinkRecord grown = event(1, WIDE.key("id", 1),
                WIDE.update(null, row("id", 1, "name", "Ada", "email", "ada@example.org")));

        // one attempt: a transient failure naming the route, the table, the field and the statement to run
        assertThatThrownBy(() -> sink.write(grown))
                .satisfies(e -> assertThat(FailureClass.of(e)).isEqualTo(FailureClass.TRANSIENT))
                .hasMessageContaining("route ev-stop").hasMessageContaining("email")
                .hasMessageContaining("ALTER TABLE \"ev_stop\" ADD COLUMN IF NOT EXISTS \"email\" text;");
        assertThat(rows("SELECT id, name, kafka_offset FROM ev_stop")).containsExactly("1|Ada|0");

        // as a worker writes it: retried in place, saying why, until someone runs the ALTER
        BlockingQueue<String> waits = new LinkedBlockingQueue<>();
        DatabaseRetry retry = new DatabaseRetry(Duration.ofMillis(20), Duration.ofMillis(100),
                new DatabaseRetry.Attempts() {
                    @Override
                    public void retrying() {
                    }

                    @Override
                    public void waitingForTable(Object write, String reason) {
                        waits.add(reason);
                    }
                });
        IsolatingWriter worker = new IsolatingWriter(sink.writer, sink.postgres, retry);
        Future<IsolatingWriter.Outcome> outcome = WORKER.submit(() -> worker.write(List.of(grown)));
        assertThat(waits.poll(30, TimeUnit.SECONDS)).contains("route ev-stop", "ev_stop", "email",
                "ALTER TABLE \"ev_stop\" ADD COLUMN IF NOT EXISTS \"email\" text;");
        assertThat(waits.poll(30, TimeUnit.SECONDS)).as("retried again").isNotNull();
        assertThat(outcome).isNotDone();

        LocalPostgres.execute("ALTER TABLE \"ev_stop\" ADD COLUMN IF NOT EXISTS \"email\" text;");
        IsolatingWriter.Outcome written = outcome.get(30, TimeUnit.SECONDS);
        assertThat(written.written()).containsExactly(grown);
        assertThat(written.rejected()).isEmpty();
        assertThat(rows("SELECT id, name, email, kafka_offset FROM ev_stop"))
                .containsExactly("1|Ada|ada@example.org|1");
    }

    @Test
    void withSchemaChangesAddEachNewFieldBecomesAColumnOfTheTypeItsConnectSchemaNames() throws Exception {
        narrowTable("ev_add");
        Sink sink = new Sink(route("ev-add", "ev_add", "schema-changes: add"));
        sink.write(event(0, NARROW.key("id", 1), NARROW.create(row("id", 1, "name", "Ada"))));
        DebeziumEvents grown = new DebeziumEvents("srv", "public", "customers", List.of(field("id", "int32")),
                List.of(field("id", "int32"), field("name", "string"), field("email", "string"),
                        DebeziumEvents.logical("balance", "bytes", "org.apache.kafka.connect.data.Decimal", "scale",
                                "2", "connect.decimal.precision", "12"),
                        DebeziumEvents.logical("born", "int32", "io.debezium.time.Date"),
                        DebeziumEvents.logical("seen", "int64", "io.debezium.time.MicroTimestamp"),
                        DebeziumEvents.logical("paid_at", "string", "io.debezium.time.ZonedTimestamp"),
                        DebeziumEvents.logical("ref", "string", "io.debezium.data.Uuid"),
                        DebeziumEvents.logical("doc", "string", "io.debezium.data.Json"),
                        DebeziumEvents.logical("mood", "string", "io.debezium.data.Enum", "allowed", "sad,happy"),
                        DebeziumEvents.array("tags", field("tags", "string")), field("visits", "int64"),
                        field("vip", "boolean"), field("ratio", "double")),
                true);
        sink.write(event(1, grown.key("id", 2), grown.create(row("id", 2, "name", "Grace", "email", "g@example.org",
                "balance", DebeziumEvents.decimal(-5), "born", 0, "seen", 1_709_296_496_789_012L, "paid_at",
                "2024-03-01T10:34:56.789012Z", "ref", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "doc", "{\"a\": [1]}",
                "mood", "happy", "tags", List.of("x", "y"), "visits", 9_007_199_254_740_993L, "vip", true, "ratio",
                0.5))));

        assertThat(rows("""
                SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'ev_add'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"""))
                .containsExactly("id|integer", "name|text", "kafka_topic|text", "kafka_partition|integer",
                        "kafka_offset|bigint", "email|text", "balance|numeric(12,2)", "born|date",
                        "seen|timestamp without time zone", "paid_at|timestamp with time zone", "ref|uuid",
                        "doc|jsonb", "mood|text", "tags|text[]", "visits|bigint", "vip|boolean",
                        "ratio|double precision");
        assertThat(rows("SELECT id, name, email, balance, born, seen, paid_at AT TIME ZONE 'UTC', ref, doc, mood,"
                + " tags, visits, vip, ratio FROM ev_add ORDER BY id")).containsExactly(
                        "1|Ada|null|null|null|null|null|null|null|null|null|null|null|null",
                        "2|Grace|g@example.org|-0.05|1970-01-01|2024-03-01 12:34:56.789012|2024-03-01 10:34:56.789012"
                                + "|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"a\": [1]}|happy|{x,y}|9007199254740993|t|0.5");
    }

    @Test
    void withSchemaChangesAddAMissingTableIsCreatedFromTheFirstEventsSchemaAndKeyAndReplaysLeaveItEqual()
            throws Exception {
        LocalPostgres.execute("DROP TABLE IF EXISTS ev_created");
        Sink sink = new Sink(route("ev-created", "ev_created", "schema-changes: add"));
        DebeziumEvents source = new DebeziumEvents("srv", "public", "accounts",
                List.of(field("tenant", "string").put("optional", false), field("no", "int64").put("optional", false)),
                List.of(field("tenant", "string").put("optional", false), field("no", "int64").put("optional", false),
                        field("owner", "string").put("optional", false),
                        DebeziumEvents.logical("opened", "int32", "io.debezium.time.Date")),
                true);
        List<SinkRecord> stream = List.of(
                event(0, source.key("tenant", "t1", "no", 1), source.read(row("tenant", "t1", "no", 1, "owner", "Ada",
                        "opened", 19_782))),
                event(1, source.key("tenant", "t1", "no", 2), source.create(row("tenant", "t1", "no", 2, "owner",
                        "Grace", "opened", null))),
                event(2, source.key("tenant", "t1", "no", 1), source.delete(row("tenant", "t1", "no", 1, "owner",
                        "", "opened", null))),
                event(3, source.key("tenant", "t1", "no", 1), null));
        sink.write(stream.toArray(SinkRecord[]::new));

        assertThat(rows("""
                SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
                WHERE attrelid = 'ev_created'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"""))
                .containsExactly("tenant|text|t", "no|bigint|t", "owner|text|t", "opened|date|f",
                        "kafka_topic|text|f", "kafka_partition|integer|f", "kafka_offset|bigint|f");
        assertThat(rows("""
                SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                    AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = 'ev_created'::regclass AND i.indisprimary ORDER BY a.attnum"""))
                .containsExactly("tenant", "no");
        List<String> replicated = rows("SELECT tenant, no, owner, opened, kafka_offset FROM ev_created ORDER BY no");
        assertThat(replicated).containsExactly("t1|2|Grace|null|1");

        sink.write(stream.toArray(SinkRecord[]::new)); // a replay from offset 0
        assertThat(rows("SELECT tenant, no, owner, opened, kafka_offset FROM ev_created ORDER BY no"))
                .isEqualTo(replicated);
    }

    @Test
    void workersMeetingTheSameNewFieldAtOnceAddTheColumnOnceAndBothWrite() throws Exception {
        narrowTable("ev_concurrent");
        Sink sink = new Sink(route("ev-concurrent", "ev_concurrent", "schema-changes: add"));
        ExecutorService workers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writes = new java.util.ArrayList<>();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int partition = 0; partition < 4; partition++) {
                int p = partition;
                writes.add(workers.submit(() -> {
                    start.await();
                    var batch = List.of(record(TOPIC, p, 0, WIDE.key("id", p),
                            WIDE.create(row("id", p, "name", "n" + p, "email", p + "@example.org"))));
                    sink.postgres.write(sink.writer.check(batch).valid());
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> write : writes) {
                write.get(60, TimeUnit.SECONDS);
            }
        } finally {
            workers.shutdownNow();
        }
        assertThat(rows("SELECT id, name, email FROM ev_concurrent ORDER BY id")).containsExactly(
                "0|n0|0@example.org", "1|n1|1@example.org", "2|n2|2@example.org", "3|n3|3@example.org");
    }

    @Test
    void withoutSchemasANewFieldWaitsEvenUnderAddWithTheStatementLeavingItsTypeToChoose() throws Exception {
        narrowTable("ev_schemaless");
        Sink sink = new Sink(route("ev-schemaless", "ev_schemaless", "schema-changes: add"));
        DebeziumEvents plain = WIDE.withSchemas(false);

        assertThatThrownBy(() -> sink.write(event(0, plain.key("id", 1),
                plain.create(row("id", 1, "name", "Ada", "email", "ada@example.org")))))
                .satisfies(e -> assertThat(FailureClass.of(e)).isEqualTo(FailureClass.TRANSIENT))
                .hasMessageContaining("email (no schema: the events are written without schemas)")
                .hasMessageContaining("steady-sink cannot tell the column type of email")
                .hasMessageContaining("ALTER TABLE \"ev_schemaless\" ADD COLUMN IF NOT EXISTS \"email\" <type>;");
        assertThat(rows("SELECT count(*) FROM pg_attribute WHERE attrelid = 'ev_schemaless'::regclass"
                + " AND attname = 'email'")).containsExactly("0");
    }
}
