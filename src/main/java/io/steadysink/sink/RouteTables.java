package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.steadysink.config.QualifiedTable;
import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * The routes bound to their tables at start-up, once PostgreSQL answers. Every finding of every
 * route is logged on its own line, and start-up then refuses with one line that counts them and
 * gives the {@code ALTER TABLE} statements to run; with {@code SINK_ROUTES_ALTER_TABLES=true} it
 * runs those statements itself (each one safe when several replicas start at once) and binds again.
 * <p>
 * A {@code change-events} route is bound again while running when its events carry a field its table
 * has no column for ({@link #evolve}), and with {@code schema-changes: add} a missing table waits for
 * the first events to be created from ({@link #create}).
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
     * The newest truncate each {@code truncate: allow} route applied to its table: per route (its
     * {@link RouteSpec#key()}) and table, the truncate's source log position. A change older than it
     * is not written, and a truncate not newer than it changes nothing.
     */
    public static final String TRUNCATES = "steady_sink_route_truncates";

    private static final String CREATE_TRUNCATES = "CREATE TABLE IF NOT EXISTS " + TRUNCATES
            + " (route text NOT NULL, table_name text NOT NULL, source_lsn bigint NOT NULL,"
            + " PRIMARY KEY (route, table_name))";

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
    /** Change-events routes with {@code schema-changes: add} whose table is created from their first events. */
    private volatile List<RouteSpec> pending = List.of();
    private volatile DataSource dataSource;

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
        this.dataSource = dataSource;
        if (specs.isEmpty()) {
            bound = List.of();
            return;
        }
        List<RouteSpec> missing = new ArrayList<>();
        List<BoundRoute.Binding> bindings = bindAll(dataSource, missing);
        List<String> alters = bindings.stream().flatMap(b -> b.alterStatements().stream()).distinct().toList();
        if (alterTables && !alters.isEmpty()) {
            alter(dataSource, alters, "SINK_ROUTES_ALTER_TABLES");
            missing.clear();
            bindings = bindAll(dataSource, missing);
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
        if (routes.stream().map(BoundRoute::spec).anyMatch(RouteTables::keepsTombstones)
                || missing.stream().anyMatch(RouteTables::keepsTombstones)) {
            create(dataSource, CREATE_TOMBSTONES);
        }
        if (routes.stream().map(BoundRoute::spec).anyMatch(RouteTables::appliesTruncates)
                || missing.stream().anyMatch(RouteTables::appliesTruncates)) {
            create(dataSource, CREATE_TRUNCATES);
        }
        if (routes.stream().anyMatch(route -> route.spec().changeEvents()) || !missing.isEmpty()) {
            create(dataSource, CREATE_UNCHANGED);
        }
        for (BoundRoute route : routes) {
            LOG.infof("Route %s: %s -> %s (%s, identity %s, %d columns%s)", route.name(), route.spec().topics(),
                    route.table(), route.spec().changeEvents() ? RouteSpec.CHANGE_EVENTS : route.mode().configName(),
                    route.identity(), route.columns().size(), route.spec().tablePattern()
                            .map(pattern -> ", table from pattern " + pattern).orElse(""));
        }
        for (RouteSpec spec : missing) {
            LOG.infof("Route %s: %s -> %s (%s): the table does not exist yet; schema-changes: add creates it from the"
                    + " first change event's schema", spec.name(), spec.topics(), spec.table(),
                    RouteSpec.CHANGE_EVENTS);
        }
        pending = List.copyOf(missing);
        bound = routes;
    }

    private static boolean keepsTombstones(RouteSpec spec) {
        return spec.mode() == SinkMode.UPSERT && spec.tombstones() != RouteSpec.Tombstones.IGNORE;
    }

    private static boolean appliesTruncates(RouteSpec spec) {
        return spec.truncate() == RouteSpec.Truncate.ALLOW;
    }

    /** Binds every route; a route whose table the events create and that does not exist goes to {@code missing}. */
    private List<BoundRoute.Binding> bindAll(DataSource dataSource, List<RouteSpec> missing) throws SQLException {
        List<BoundRoute.Binding> bindings = new ArrayList<>();
        try (Connection connection = dataSource.getConnection()) {
            for (RouteSpec spec : specs) {
                Optional<TableShape> shape = TableCatalog.read(connection, spec.table());
                if (shape.isEmpty() && createsTable(spec)) {
                    missing.add(spec);
                } else {
                    bindings.add(BoundRoute.bind(spec, shape));
                }
            }
        }
        return bindings;
    }

    /** Whether the route's table is created from its change events when it does not exist. */
    private static boolean createsTable(RouteSpec spec) {
        return spec.changeEvents() && spec.schemaChanges() == RouteSpec.SchemaChanges.ADD;
    }

    /** The routes whose table does not exist yet and is created from their first change events. */
    public List<RouteSpec> pending() {
        return pending;
    }

    /**
     * {@code current} bound again to its table as the catalog describes it now, so that it fills the
     * columns the change events' {@code fields} need: columns someone added meanwhile are taken as they
     * are; with {@code schema-changes: add}, each field the table still lacks is added as a column of
     * the type its Connect schema names ({@code ADD COLUMN IF NOT EXISTS}: replicas adding it at once
     * add it once). Thread-safe: workers of one table rebind it one at a time.
     *
     * @throws TableChangeRequired when the table still lacks a column for some field (the route may not
     *         add it, or its type cannot be told), or no longer fits the route; the message gives the
     *         statement to run
     */
    public synchronized BoundRoute evolve(BoundRoute current, Map<String, JsonNode> fields) throws SQLException {
        BoundRoute latest = boundAs(current.spec().key()).orElse(current);
        if (latest != current && lacking(latest, fields).isEmpty()) {
            return latest; // another worker rebound it already
        }
        RouteSpec spec = original(current.spec().key());
        BoundRoute rebound = bindNow(spec);
        Map<String, JsonNode> lacking = lacking(rebound, fields);
        if (!lacking.isEmpty() && spec.schemaChanges() == RouteSpec.SchemaChanges.ADD
                && lacking.values().stream().allMatch(schema -> ConnectSqlType.of(schema).isPresent())) {
            alter(dataSource, List.of(addColumns(spec, lacking)), "schema-changes: add");
            rebound = bindNow(spec);
            lacking = lacking(rebound, fields);
        }
        if (!lacking.isEmpty()) {
            throw new TableChangeRequired(lacksColumns(spec, lacking));
        }
        adopt(rebound);
        LOG.infof("Route %s: bound again to %s, which has columns for the fields %s now (%d columns)", spec.name(),
                spec.table(), fields.keySet(), rebound.columns().size());
        return rebound;
    }

    /**
     * Creates the table of a {@link #pending() pending} route from the change events in {@code records}
     * (its columns from the first row's schema, its primary key from the key's fields, the coordinate
     * columns of the ordering guard), then binds the route to it.
     *
     * @throws TableChangeRequired when the records carry no key schema, or a field's type cannot be told
     */
    public synchronized BoundRoute create(RouteSpec spec, List<SinkRecord> records) throws SQLException {
        Optional<BoundRoute> done = boundAs(spec.key());
        if (done.isPresent()) {
            return done.get();
        }
        boolean exists;
        try (Connection connection = dataSource.getConnection()) {
            exists = TableCatalog.read(connection, spec.table()).isPresent();
        }
        if (!exists) {
            alter(dataSource, List.of(EventTable.create(spec, records)), "schema-changes: add");
        }
        BoundRoute created = bindNow(spec);
        adopt(created);
        pending = pending.stream().filter(other -> !other.key().equals(spec.key())).toList();
        LOG.infof("Route %s: %s -> %s (%s, identity %s, %d columns)", created.name(), spec.topics(), spec.table(),
                RouteSpec.CHANGE_EVENTS, created.identity(), created.columns().size());
        return created;
    }

    /** The spec of the route (of one table of a pattern route) kept under {@code key} ({@link RouteSpec#key()}). */
    private RouteSpec original(String key) {
        return specs.stream().filter(spec -> spec.key().equals(key)).findFirst().orElseThrow();
    }

    private Optional<BoundRoute> boundAs(String key) {
        return bound().stream().filter(route -> route.spec().key().equals(key)).findFirst();
    }

    /** The route bound to its table as the catalog describes it now. */
    private BoundRoute bindNow(RouteSpec spec) throws SQLException {
        Optional<TableShape> shape;
        try (Connection connection = dataSource.getConnection()) {
            shape = TableCatalog.read(connection, spec.table());
        }
        BoundRoute.Binding binding = BoundRoute.bind(spec, shape);
        if (binding.route().isEmpty()) {
            throw new TableChangeRequired("route " + spec.name() + ": table " + spec.table()
                    + " no longer fits the route: " + String.join("; ", binding.findings())
                    + (binding.alterStatements().isEmpty()
                            ? ""
                            : "; run " + String.join(" ", binding.alterStatements())));
        }
        return binding.route().get();
    }

    private synchronized void adopt(BoundRoute route) {
        List<BoundRoute> routes = new ArrayList<>(bound());
        routes.removeIf(other -> other.spec().key().equals(route.spec().key()));
        routes.add(route);
        bound = List.copyOf(routes);
    }

    /** The fields no column of {@code route}'s table has and no pointer of it takes. */
    private static Map<String, JsonNode> lacking(BoundRoute route, Map<String, JsonNode> fields) {
        Map<String, JsonNode> lacking = new LinkedHashMap<>();
        fields.forEach((name, schema) -> {
            if (!route.tableColumns().contains(name) && !route.restExcluded().contains(name)) {
                lacking.put(name, schema);
            }
        });
        return lacking;
    }

    /** {@code ALTER TABLE ... ADD COLUMN IF NOT EXISTS} for each field, {@code <type>} where none can be told. */
    private static String addColumns(RouteSpec spec, Map<String, JsonNode> fields) {
        List<String> columns = new ArrayList<>();
        fields.forEach((name, schema) -> columns.add("ADD COLUMN IF NOT EXISTS " + QualifiedTable.quote(name) + " "
                + ConnectSqlType.of(schema).orElse("<type>")));
        return "ALTER TABLE " + spec.table().sql() + " " + String.join(", ", columns) + ";";
    }

    private static String lacksColumns(RouteSpec spec, Map<String, JsonNode> fields) {
        List<String> described = new ArrayList<>();
        List<String> untyped = new ArrayList<>();
        fields.forEach((name, schema) -> {
            described.add(name + " (" + EventTable.describe(schema) + ")");
            if (ConnectSqlType.of(schema).isEmpty()) {
                untyped.add(name);
            }
        });
        String why = spec.schemaChanges() == RouteSpec.SchemaChanges.ADD
                ? "steady-sink cannot tell the column type of " + String.join(", ", untyped)
                        + ", so it adds none: choose the type (<type>) and"
                : "schema-changes: " + spec.schemaChanges().configName() + " leaves that to you:"
                        + (untyped.isEmpty()
                                ? ""
                                : " choose the type of " + String.join(", ", untyped) + " (<type>) and");
        return "route " + spec.name() + ": its change events carry the field(s) " + String.join(", ", described)
                + " that table " + spec.table() + " has no column for; its writes wait (retried, nothing is lost or"
                + " committed past them) until the table has them; " + why + " run " + addColumns(spec, fields)
                + (spec.schemaChanges() == RouteSpec.SchemaChanges.ADD
                        ? ""
                        : " (or set schema-changes: add on the route to let steady-sink add such columns, or"
                                + " schema-changes: ignore to leave such fields out)");
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

    private static void create(DataSource dataSource, String createTable) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute(createTable);
        } catch (SQLException e) {
            if (!ALREADY_DONE.contains(e.getSQLState())) {
                throw e;
            }
        }
    }

    /** Runs {@code statements}, each in its own transaction; {@code allowedBy} names the setting in the log. */
    private static void alter(DataSource dataSource, List<String> statements, String allowedBy) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            for (String sql : statements) {
                try {
                    statement.execute(sql);
                    LOG.infof("%s: ran %s", allowedBy, sql);
                } catch (SQLException e) {
                    if (!ALREADY_DONE.contains(e.getSQLState())) {
                        throw e;
                    }
                    LOG.infof("%s: %s was already done (%s)", allowedBy, sql, e.getMessage());
                }
            }
        }
    }

    /** The route named {@code name}, if bound. */
    public Optional<BoundRoute> route(String name) {
        return bound().stream().filter(route -> route.name().equals(name)).findFirst();
    }
}
