package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.binding;
import static io.steadysink.routes.RouteFixture.bound;
import static io.steadysink.routes.RouteFixture.fileProblem;
import static io.steadysink.routes.RouteFixture.record;
import static io.steadysink.routes.RouteFixture.route;
import static io.steadysink.routes.RouteFixture.routeFile;
import static io.steadysink.routes.RouteFixture.routes;
import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.steadysink.config.RouteSpec;
import io.steadysink.sink.BoundRoute;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RouteTables;
import io.steadysink.sink.RouteWriter;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.testing.LocalPostgres;

/**
 * What start-up refuses about a route file and the tables its routes name, each refusal with its
 * message, as the routes are bound to the live catalog of a real PostgreSQL; and what
 * {@code SINK_ROUTES_ALTER_TABLES=true} adds instead of refusing.
 */
class RouteStartupRefusalTest {

    private static final String ADD_COORDINATES = "ADD COLUMN IF NOT EXISTS \"kafka_topic\" text, ADD COLUMN IF NOT"
            + " EXISTS \"kafka_partition\" integer, ADD COLUMN IF NOT EXISTS \"kafka_offset\" bigint;";

    private static StartupFailure refusal(List<RouteSpec> specs, boolean alterTables) {
        StartupFailure failure = catchThrowableOfType(StartupFailure.class,
                () -> new RouteTables(specs, alterTables).bind(LocalPostgres.dataSource()));
        assertThat(failure).as("start-up refused").isNotNull();
        assertThat(failure.code()).isEqualTo(ExitCode.SETTINGS_REFUSED);
        assertThat(failure.line()).as("one line").doesNotContain("\n");
        return failure;
    }

    @Test
    void aTableThatDoesNotExistIsNamed() {
        LocalPostgres.execute("DROP TABLE IF EXISTS rr_missing");
        RouteSpec spec = route("""
                routes:
                  rr-missing:
                    topics: [rr-missing]
                    table: rr_missing
                    identity: [id]
                    columns:
                      id: /id
                """);

        String finding = "route rr-missing: table rr_missing does not exist; create it (docs/routes.md shows one for"
                + " each mode) or correct table: (with every column's type under types:, SINK_ROUTES_ALTER_TABLES=true"
                + " creates it)";
        assertThat(binding(spec).findings()).containsExactly(finding);
        assertThat(refusal(List.of(spec), false).line()).isEqualTo("steady-sink cannot start: " + finding);
    }

    @Test
    void aMissingColumnASourceThatCanNeverConvertAndAnUnfilledNotNullColumnAreListedAtOnce() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_events;
                CREATE TABLE rr_events (event_id uuid PRIMARY KEY, note text, code text NOT NULL,
                    created timestamptz NOT NULL DEFAULT now());
                """);
        RouteSpec spec = route("""
                routes:
                  rr-events:
                    topics: [rr-events]
                    table: rr_events
                    identity: [event_id]
                    columns:
                      event_id: kafka:offset
                      note: /note
                      remark: /remark
                """);

        BoundRoute.Binding binding = binding(spec);

        assertThat(binding.route()).isEmpty();
        assertThat(binding.findings()).containsExactlyInAnyOrder(
                "route rr-events: column event_id (uuid) can never take kafka:offset, which is always a JSON number",
                "route rr-events: column remark is not in table rr_events (its columns: event_id, note, code,"
                        + " created)",
                "route rr-events: column code of rr_events is NOT NULL without a default and no source fills it;"
                        + " map it under columns:");
        assertThat(binding.alterStatements()).isEmpty();
        StartupFailure refusal = refusal(List.of(spec), false);
        assertThat(refusal.line()).startsWith("steady-sink cannot start: 3 problems with the routes of"
                + " SINK_ROUTES_FILE (each logged above), first: route rr-events: ");
    }

    @Test
    void anIdentityWithoutUniqueConstraintIsRefusedWithTheAlterTableThatAddsIt() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_plain;
                CREATE TABLE rr_plain (event_id text NOT NULL, body jsonb);
                """);
        RouteSpec spec = plainRoute();
        String alter = "ALTER TABLE \"rr_plain\" ADD CONSTRAINT \"rr_plain_event_id_key\" UNIQUE (\"event_id\");";

        BoundRoute.Binding binding = binding(spec);

        assertThat(binding.findings()).containsExactly("route rr-plain: no primary key or unique constraint of"
                + " rr_plain is exactly [event_id] (the identity): without one a replay could write a row twice");
        assertThat(binding.alterStatements()).containsExactly(alter);
        assertThat(refusal(List.of(spec), false).line()).as("the one line gives the statement to run")
                .contains(alter).contains("SINK_ROUTES_ALTER_TABLES=true");
    }

    private static RouteSpec plainRoute() {
        return route("""
                routes:
                  rr-plain:
                    topics: [rr-plain]
                    table: rr_plain
                    identity: [event_id]
                    columns:
                      event_id: /id
                      body: value
                """);
    }

    @Test
    void anUpsertTableWithoutTheCoordinateColumnsIsRefusedWithTheAlterTableThatAddsThem() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_state;
                CREATE TABLE rr_state (id bigint PRIMARY KEY, name text);
                """);
        RouteSpec spec = stateRoute();

        BoundRoute.Binding binding = binding(spec);

        assertThat(binding.findings()).containsExactly("route rr-state: table rr_state lacks the columns [kafka_topic,"
                + " kafka_partition, kafka_offset] that hold each row's Kafka coordinates (the ordering guard: an"
                + " older record never overwrites a newer one)");
        assertThat(binding.alterStatements()).containsExactly("ALTER TABLE \"rr_state\" " + ADD_COORDINATES);
        assertThat(refusal(List.of(spec), false).line()).contains("ALTER TABLE \"rr_state\" " + ADD_COORDINATES);
    }

    private static RouteSpec stateRoute() {
        return route("""
                routes:
                  rr-state:
                    topics: [rr-state]
                    table: rr_state
                    mode: upsert
                    identity: [id]
                    columns:
                      id: key:/id
                      name: /name
                """);
    }

    @Test
    void anAppendTableWithoutTheCoordinatesOfItsDefaultIdentityGetsTheColumnsAndTheConstraint() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_log;
                CREATE TABLE rr_log (body jsonb);
                """);
        RouteSpec spec = route("""
                routes:
                  rr-log:
                    topics: [rr-log]
                    table: rr_log
                    columns:
                      body: value
                """);

        assertThat(binding(spec).alterStatements()).containsExactly("ALTER TABLE \"rr_log\" " + ADD_COORDINATES,
                "ALTER TABLE \"rr_log\" ADD CONSTRAINT \"rr_log_kafka_topic_kafka_partition_kafka_offset_key\" UNIQUE"
                        + " (\"kafka_topic\", \"kafka_partition\", \"kafka_offset\");");
    }

    @Test
    void twoRoutesWritingOneTableWithDifferentIdentitiesAreRefused() {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_shared;
                CREATE TABLE rr_shared (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, name text,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                """);
        List<RouteSpec> specs = routes("""
                routes:
                  rr-shared-a:
                    topics: [rr-shared-a]
                    table: rr_shared
                    mode: upsert
                    identity: [id]
                    columns:
                      id: key:/id
                      code: /code
                  rr-shared-b:
                    topics: [rr-shared-b]
                    table: rr_shared
                    mode: upsert
                    identity: [code]
                    columns:
                      id: /id
                      code: key:/code
                """);
        assertThat(specs).allSatisfy(spec -> assertThat(binding(spec).findings()).isEmpty());

        assertThat(refusal(specs, false).line()).isEqualTo("steady-sink cannot start: routes rr-shared-a and"
                + " rr-shared-b both write rr_shared but with different identities ([id] and [code]); give them one"
                + " identity and mode, or separate tables");
    }

    @Test
    void aRouteFileThatIsMissingNotYamlOrHoldsMoreThanRoutesIsRefusedNamingTheFile() {
        Path missing = Path.of("target", "route-files", "no-such-routes.yaml").toAbsolutePath();
        assertThat(fileProblem(missing)).hasValueSatisfying(problem -> assertThat(problem).isEqualTo(
                "SINK_ROUTES_FILE=" + missing + " cannot be read (NoSuchFileException: " + missing + "); mount the"
                        + " route file there or unset SINK_ROUTES_FILE"));

        Path notYaml = routeFile("routes:\n  orders: [unclosed\n    table: {\n");
        assertThat(fileProblem(notYaml)).hasValueSatisfying(problem -> assertThat(problem)
                .startsWith("SINK_ROUTES_FILE=" + notYaml + " is not valid YAML: ")
                .endsWith("; see docs/routes.md for the format"));

        Path more = routeFile("""
                sink:
                  topics: orders
                routes:
                  orders:
                    topics: [orders]
                    table: orders
                    columns:
                      id: /id
                """);
        assertThat(fileProblem(more)).hasValue("SINK_ROUTES_FILE=" + more + " has \"sink\" at the top level; a route"
                + " file holds only routes:");

        Path empty = routeFile("# nothing yet\n");
        assertThat(fileProblem(empty)).hasValue("SINK_ROUTES_FILE=" + empty + " declares no routes; write routes:"
                + " with at least one route (docs/routes.md)");
    }

    @Test
    void withAlterTablesStartupAddsWhatWasMissingOnceEvenWhenReplicasStartAtOnceAndTheRoutesThenWrite()
            throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS rr_plain, rr_state;
                CREATE TABLE rr_plain (event_id text NOT NULL, body jsonb);
                CREATE TABLE rr_state (id bigint PRIMARY KEY, name text);
                """);
        List<RouteSpec> specs = List.of(plainRoute(), stateRoute());
        ExecutorService replicas = Executors.newFixedThreadPool(3);
        try {
            List<Callable<RouteTables>> starts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                starts.add(() -> {
                    RouteTables tables = new RouteTables(specs, true);
                    tables.bind(LocalPostgres.dataSource());
                    return tables;
                });
            }
            for (Future<RouteTables> started : replicas.invokeAll(starts)) {
                assertThat(started.get().bound()).hasSize(2);
            }
        } finally {
            replicas.shutdownNow();
        }

        assertThat(specs).allSatisfy(spec -> assertThat(binding(spec).alterStatements()).isEmpty());
        assertThat(rows("SELECT conname FROM pg_constraint WHERE conrelid = 'rr_plain'::regclass"))
                .containsExactly("rr_plain_event_id_key");
        PostgresSink plain = new PostgresSink(LocalPostgres.dataSource(), new RouteWriter(bound(specs.get(0))),
                Duration.ofSeconds(30));
        plain.write(List.of(record("rr-plain", 0, 0, null, "{\"id\":\"e1\"}"),
                record("rr-plain", 0, 1, null, "{\"id\":\"e1\"}")));
        PostgresSink state = new PostgresSink(LocalPostgres.dataSource(), new RouteWriter(bound(specs.get(1))),
                Duration.ofSeconds(30));
        state.write(List.of(record("rr-state", 0, 5, "{\"id\":1}", "{\"name\":\"new\"}")));
        state.write(List.of(record("rr-state", 0, 4, "{\"id\":1}", "{\"name\":\"old\"}")));

        assertThat(rows("SELECT event_id, body FROM rr_plain")).containsExactly("e1|{\"id\": \"e1\"}");
        assertThat(rows("SELECT id, name, kafka_topic, kafka_partition, kafka_offset FROM rr_state"))
                .containsExactly("1|new|rr-state|0|5");
    }
}
