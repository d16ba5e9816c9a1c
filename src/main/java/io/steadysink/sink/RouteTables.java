package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * The routes bound to their tables at start-up, once PostgreSQL answers. Every finding of every
 * route is logged on its own line, and start-up then refuses with one line that counts them and
 * gives the {@code ALTER TABLE} statements to run; with {@code SINK_ROUTES_ALTER_TABLES=true} it
 * runs those statements itself (each one safe when several replicas start at once) and binds again.
 */
public final class RouteTables {

    private static final Logger LOG = Logger.getLogger(RouteTables.class);

    /**
     * The tombstones of upsert routes that delete or mark rows: per route and identity, the
     * coordinates of its newest tombstone. A deleted row keeps no coordinates of its own, so without
     * this an older write landing after the delete (a replay, or batches of one partition finishing
     * out of order) would bring the row back.
     */
    public static final String TOMBSTONES = "steady_sink_route_tombstones";

    private static final String CREATE_TOMBSTONES = "CREATE TABLE IF NOT EXISTS " + TOMBSTONES
            + " (route text NOT NULL, identity text[] NOT NULL, kafka_topic text NOT NULL,"
            + " kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, PRIMARY KEY (route, identity))";

    /**
     * Change events: for a row of a routed table whose newest write did not carry some of its values
     * (Debezium's placeholder of a large value an update left unchanged), where those values came
     * from. One row per (route, identity), valid while the table's row still has the coordinates
     * kept here; {@code sources} maps a column to the offset of the write its value came from (same
     * topic and partition), or to JSON null where no write gave it yet.
     */
    public static final String UNCHANGED = "steady_sink_route_unchanged";

    private static final String CREATE_UNCHANGED = "CREATE TABLE IF NOT EXISTS " + UNCHANGED
            + " (route text NOT NULL, identity text[] NOT NULL, kafka_topic text NOT NULL,"
            + " kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL, sources jsonb NOT NULL,"
            + " PRIMARY KEY (route, identity))";

    /**
     * duplicate_object, duplicate_table, duplicate_column, and unique_violation in the catalog (two
     * {@code CREATE TABLE IF NOT EXISTS} at once): another replica altered or created the table first.
     */
    private static final List<String> ALREADY_DONE = List.of("42710", "42P07", "42701", "23505");

    private final List<RouteSpec> specs;
    private final boolean alterTables;
    private volatile List<BoundRoute> bound;

    public RouteTables(List<RouteSpec> specs, boolean alterTables) {
        this.specs = List.copyOf(specs);
        this.alterTables = alterTables;
    }

    public boolean isEmpty() {
        return specs.isEmpty();
    }

    public List<RouteSpec> specs() {
        return specs;
    }

    /**
     * The bound routes.
     *
     * @throws IllegalStateException before {@link #bind} succeeded
     */
    public List<BoundRoute> bound() {
        if (bound == null) {
            throw new IllegalStateException("the routes are bound to their tables at start-up");
        }
        return bound;
    }

    /**
     * Binds every route to its table.
     *
     * @throws StartupFailure with {@link ExitCode#SETTINGS_REFUSED} when a route does not fit its table
     */
    public void bind(DataSource dataSource) throws SQLException {
        if (specs.isEmpty()) {
            bound = List.of();
            return;
        }
        List<BoundRoute.Binding> bindings = bindAll(dataSource);
        List<String> alters = bindings.stream().flatMap(b -> b.alterStatements().stream()).distinct().toList();
        if (alterTables && !alters.isEmpty()) {
            alter(dataSource, alters);
            bindings = bindAll(dataSource);
            alters = bindings.stream().flatMap(b -> b.alterStatements().stream()).distinct().toList();
        }
        List<String> findings = new ArrayList<>();
        bindings.forEach(binding -> findings.addAll(binding.findings()));
        List<BoundRoute> routes = bindings.stream().flatMap(b -> b.route().stream()).toList();
        findings.addAll(conflicts(routes));
        if (!findings.isEmpty()) {
            findings.forEach(LOG::error);
            String first = findings.size() == 1
                    ? findings.get(0)
                    : findings.size() + " problems with the routes of SINK_ROUTES_FILE (each logged above), first: "
                            + findings.get(0);
            throw StartupFailure.cannotStart(ExitCode.SETTINGS_REFUSED, first + (alters.isEmpty()
                    ? ""
                    : "; run " + String.join(" ", alters)
                            + " (or set SINK_ROUTES_ALTER_TABLES=true to let steady-sink run them)"));
        }
        if (routes.stream().anyMatch(route -> route.mode() == SinkMode.UPSERT
                && route.spec().tombstones() != RouteSpec.Tombstones.IGNORE)) {
            createTombstones(dataSource);
        }
        for (BoundRoute route : routes) {
            LOG.infof("Route %s: %s -> %s (%s, identity %s, %d columns)", route.name(), route.spec().topics(),
                    route.table(), route.spec().changeEvents() ? RouteSpec.CHANGE_EVENTS : route.mode().configName(),
                    route.identity(), route.columns().size());
        }
        bound = routes;
    }

    private List<BoundRoute.Binding> bindAll(DataSource dataSource) throws SQLException {
        List<BoundRoute.Binding> bindings = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            for (RouteSpec spec : specs) {
                bindings.add(BoundRoute.bind(spec, TableCatalog.read(connection, spec.table())));
            }
        }
        return bindings;
    }

    /** Two routes writing one table must agree on its identity, or each would undo the other's rows. */
    private static List<String> conflicts(List<BoundRoute> routes) {
        List<String> conflicts = new ArrayList<>();
        Map<String, BoundRoute> first = new HashMap<>();
        for (BoundRoute route : routes) {
            BoundRoute other = first.putIfAbsent(route.table().toString(), route);
            if (other != null && (!other.identity().equals(route.identity()) || other.mode() != route.mode())) {
                conflicts.add("routes " + other.name() + " and " + route.name() + " both write " + route.table()
                        + " but with different " + (other.mode() != route.mode()
                                ? "modes"
                                : "identities ("
                                        + other.identity() + " and " + route.identity() + ")")
                        + "; give them one identity and mode, or separate tables");
            }
        }
        return conflicts;
    }

    private static void createTombstones(DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            for (String create : List.of(CREATE_TOMBSTONES, CREATE_UNCHANGED)) {
                try {
                    statement.execute(create);
                } catch (SQLException e) {
                    if (!ALREADY_DONE.contains(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        }
    }

    private static void alter(DataSource dataSource, List<String> statements) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            for (String sql : statements) {
                try {
                    statement.execute(sql);
                    LOG.infof("SINK_ROUTES_ALTER_TABLES: ran %s", sql);
                } catch (SQLException e) {
                    if (!ALREADY_DONE.contains(e.getSQLState())) {
                        throw e;
                    }
                    LOG.infof("SINK_ROUTES_ALTER_TABLES: %s was already done (%s)", sql, e.getMessage());
                }
            }
        }
    }

    /** The route named {@code name}, if bound. */
    public Optional<BoundRoute> route(String name) {
        return bound().stream().filter(route -> route.name().equals(name)).findFirst();
    }
}
