package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.TestSinkConfig;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.testing.LocalPostgres;

/** Start-up binding of routes to tables, and what SINK_ROUTES_ALTER_TABLES may do to them. */
class RouteTablesTest {

    @BeforeEach
    void dropTables() throws SQLException {
        execute("DROP TABLE IF EXISTS created_orders, created_log");
    }

    @Test
    void aMissingTableIsRefusedWithItsCreateStatementAndCreatedWhenAllowed() throws SQLException {
        List<RouteSpec> routes = routes(TestSinkConfig.defaults()
                .with("routes.orders.topics", "orders")
                .with("routes.orders.table", "created_orders")
                .with("routes.orders.mode", "upsert")
                .with("routes.orders.identity", "order_id")
                .with("routes.orders.columns.order_id", "key")
                .with("routes.orders.columns.amount", "/amount")
                .with("routes.orders.columns.seen", "kafka:timestamp")
                .with("routes.orders.types.order_id", "uuid")
                .with("routes.orders.types.amount", "numeric(12,2)")
                .with("routes.orders.types.seen", "timestamp with time zone")
                .with("routes.log.topics", "orders")
                .with("routes.log.table", "created_log")
                .with("routes.log.columns.payload", "value")
                .with("routes.log.types.payload", "jsonb")
                .build());

        assertThatThrownBy(() -> new RouteTables(routes, false).bind(LocalPostgres.dataSource()))
                .isInstanceOfSatisfying(StartupFailure.class, failure -> {
                    assertThat(failure.code()).isEqualTo(ExitCode.SETTINGS_REFUSED);
                    assertThat(failure.line()).contains("2 problems with the routes",
                            "route log: table created_log does not exist",
                            "CREATE TABLE IF NOT EXISTS \"created_orders\" (\"amount\" numeric(12,2), \"order_id\" uuid,"
                                    + " \"seen\" timestamp with time zone, \"kafka_topic\" text, \"kafka_partition\""
                                    + " integer, \"kafka_offset\" bigint, CONSTRAINT \"created_orders_order_id_key\""
                                    + " UNIQUE (\"order_id\"));",
                            "SINK_ROUTES_ALTER_TABLES=true");
                });

        RouteTables allowed = new RouteTables(routes, true);
        allowed.bind(LocalPostgres.dataSource());
        new RouteTables(routes, true).bind(LocalPostgres.dataSource()); // a second replica: nothing left to do

        assertThat(allowed.bound()).extracting(BoundRoute::name).containsExactly("log", "orders");
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            TableShape log = TableCatalog.read(connection, allowed.bound().get(0).table()).orElseThrow();
            assertThat(log.columns()).containsOnlyKeys("payload", "kafka_topic", "kafka_partition", "kafka_offset");
            assertThat(log.hasUniqueKey(List.of("kafka_topic", "kafka_partition", "kafka_offset"))).isTrue();
            TableShape orders = TableCatalog.read(connection, allowed.bound().get(1).table()).orElseThrow();
            assertThat(orders.column("amount").orElseThrow().type().formatted()).isEqualTo("numeric(12,2)");
            assertThat(orders.hasUniqueKey(List.of("order_id"))).isTrue();
        }
    }

    @Test
    void aTableThatLacksTheIdentityConstraintAndCoordinatesGetsThemWhenAllowed() throws SQLException {
        execute("CREATE TABLE created_orders (order_id uuid NOT NULL, amount numeric(12,2))");
        List<RouteSpec> routes = routes(TestSinkConfig.defaults()
                .with("routes.orders.topics", "orders")
                .with("routes.orders.table", "created_orders")
                .with("routes.orders.mode", "upsert")
                .with("routes.orders.identity", "order_id")
                .with("routes.orders.columns.order_id", "key")
                .with("routes.orders.columns.amount", "/amount")
                .build());

        assertThatThrownBy(() -> new RouteTables(routes, false).bind(LocalPostgres.dataSource()))
                .hasMessageContaining("ALTER TABLE \"created_orders\" ADD COLUMN IF NOT EXISTS \"kafka_topic\" text,"
                        + " ADD COLUMN IF NOT EXISTS \"kafka_partition\" integer, ADD COLUMN IF NOT EXISTS"
                        + " \"kafka_offset\" bigint;")
                .hasMessageContaining("ALTER TABLE \"created_orders\" ADD CONSTRAINT \"created_orders_order_id_key\""
                        + " UNIQUE (\"order_id\");");

        RouteTables allowed = new RouteTables(routes, true);
        allowed.bind(LocalPostgres.dataSource());

        assertThat(allowed.bound().get(0).guard()).containsExactly("kafka_topic", "kafka_partition", "kafka_offset");
    }

    private static List<RouteSpec> routes(SinkConfig config) {
        List<String> problems = new ArrayList<>();
        List<RouteSpec> routes = new ArrayList<>();
        config.routes().forEach((name, settings) -> routes.addAll(RouteSpec.parse(name, settings, problems)));
        assertThat(problems).isEmpty();
        routes.sort((a, b) -> a.name().compareTo(b.name()));
        return routes;
    }

    private static void execute(String sql) throws SQLException {
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
