package io.steadysink.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.SinkMode;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * Creates or migrates the sink table with Flyway, after the settings are validated and before the
 * consumer joins its group: no record is taken before its table exists. The mode picks the scripts
 * ({@code append_V*} or {@code upsert_V*}, whatever the case of {@code SINK_MODE}); the table name
 * is a Flyway placeholder. Before Flyway runs, what it needs of the user is checked (CREATE on the
 * schema for a table not there yet, access to an existing history); after it, that the sink can own
 * the table. A table the sink cannot own (it existed with another shape, without the key its writes
 * conflict on, or the user may not write it) or a privilege missing stops start-up with one line
 * saying what to fix ({@link ExitCode#ACCESS_REFUSED}).
 * <p>
 * It observes no event: the start-up step that waits for PostgreSQL runs {@link #migrate()} at
 * {@link #PRIORITY}, inside its wait, and decides what PostgreSQL's failures mean.
 */
@ApplicationScoped
public class SchemaMigration {

    /** Runs right after the settings are checked; {@code TopicIdentityGuard} follows. */
    public static final int PRIORITY = StartupConfigCheck.PRIORITY + 1;

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);
    private static final List<String> PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE");
    private static final List<String> TOPIC_ID_PRIVILEGES = List.of("SELECT", "INSERT");
    private static final List<String> HISTORY_PRIVILEGES = List.of("SELECT", "INSERT");

    /**
     * Key columns of every unique index of the table that {@code ON CONFLICT} can infer: valid, not
     * deferrable, not partial, on plain columns.
     */
    private static final String UNIQUE_KEYS = "SELECT i.indexrelid, a.attname FROM pg_index i"
            + " JOIN pg_class c ON c.oid = i.indrelid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)"
            + " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
            + " WHERE n.nspname = current_schema() AND c.relname = ? AND k.position <= i.indnkeyatts"
            + " AND i.indisunique AND i.indimmediate AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL";

    /**
     * Columns of a table of the current schema, from the catalog: {@code information_schema.columns}
     * shows only the columns of tables the user has a privilege on.
     */
    private static final String COLUMNS = "SELECT a.attname FROM pg_attribute a"
            + " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = current_schema() AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped";

    private static final String EXISTING = "SELECT c.relname FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = current_schema() AND c.relname = ANY (?)";

    private final Instance<Flyway> flyway;
    private final SinkConfig config;
    private final RouteTables routes;
    private final Instance<AgroalDataSource> dataSource;

    SchemaMigration(Instance<Flyway> flyway, SinkConfig config, Instance<AgroalDataSource> dataSource,
            RouteTables routes) {
        this.flyway = flyway;
        this.config = config;
        this.dataSource = dataSource;
        this.routes = routes;
    }

    /**
     * Checks what the migration needs of the user, migrates, and checks that the sink can own the
     * table.
     *
     * @throws StartupFailure ({@link ExitCode#ACCESS_REFUSED}) when a privilege is missing or the
     *         table cannot be owned
     * @throws SQLException as PostgreSQL failed (not there, refusing the login, ...): the caller judges
     * @throws org.flywaydb.core.api.FlywayException as Flyway failed, often with PostgreSQL's failure as
     *         its cause
     */
    public void migrate() throws SQLException {
        if (config.hasDefaultRoute()) {
            migrateFixedTable();
        }
        routes.bind(dataSource.get());
    }

    private void migrateFixedTable() throws SQLException {
        SinkMode mode = config.parsedMode();
        // The prefix follows the parsed mode, not the raw setting: SINK_MODE=UPSERT must find upsert_V*.
        Flyway configured = Flyway.configure(flyway.get().getConfiguration().getClassLoader())
                .configuration(flyway.get().getConfiguration())
                .sqlMigrationPrefix(mode.configName() + "_V")
                .load();
        String history = configured.getConfiguration().getTable();
        String problem = accessProblem(dataSource.get(), config.table(), history);
        if (problem == null) {
            MigrateResult result = configured.migrate();
            problem = ownershipProblem(dataSource.get(), mode, config.table());
            if (problem == null) {
                LOG.infof("Table %s (%s mode) is at schema version %s; %d migration(s) applied", config.table(),
                        mode.configName(), result.targetSchemaVersion != null
                                ? result.targetSchemaVersion
                                : result.initialSchemaVersion,
                        result.migrationsExecuted);
                return;
            }
        }
        throw StartupFailure.cannotStart(ExitCode.ACCESS_REFUSED, problem);
    }

    /**
     * What keeps the user from running the migrations of {@code table} with its Flyway
     * {@code history} table, or {@code null} when nothing does: CREATE on the schema where a table
     * is still to be created, and reading and writing an existing history.
     */
    static String accessProblem(DataSource dataSource, String table, String history) throws SQLException {
        List<String> tables = List.of(table, history, TopicIds.tableFor(table));
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet who = statement.executeQuery("SELECT current_user, current_database(), current_schema(),"
                        + " has_schema_privilege(current_schema(), 'CREATE'), current_setting('search_path')")) {
            who.next();
            String user = who.getString(1);
            String database = who.getString(2);
            String schema = who.getString(3);
            if (schema == null) {
                return "user " + user + " has no schema to create tables in: no schema of its search_path ("
                        + who.getString(5) + ") exists in database " + database + ": create one, or name one with "
                        + "currentSchema in QUARKUS_DATASOURCE_JDBC_URL";
            }
            Set<String> existing = new HashSet<>();
            try (PreparedStatement names = connection.prepareStatement(EXISTING)) {
                names.setArray(1, connection.createArrayOf("text", tables.toArray()));
                try (ResultSet rows = names.executeQuery()) {
                    while (rows.next()) {
                        existing.add(rows.getString(1));
                    }
                }
            }
            List<String> missing = tables.stream().filter(name -> !existing.contains(name)).toList();
            if (!missing.isEmpty() && !who.getBoolean(4)) {
                return "user " + user + " may not create tables in schema " + schema + " of database " + database
                        + ", where " + listed(missing) + (missing.size() == 1 ? " does" : " do")
                        + " not exist yet (SINK_TABLE=" + table + "): GRANT CREATE ON SCHEMA " + identifier(schema)
                        + " TO "
                        + identifier(user);
            }
            return existing.contains(history) ? denied(connection, history, HISTORY_PRIVILEGES) : null;
        }
    }

    /** Why the sink cannot write {@code table} in {@code mode}, or {@code null} when it can. */
    static String ownershipProblem(DataSource dataSource, SinkMode mode, String table) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Set<String> present = new HashSet<>();
            try (PreparedStatement columns = connection.prepareStatement(COLUMNS)) {
                columns.setString(1, table);
                try (ResultSet rows = columns.executeQuery()) {
                    while (rows.next()) {
                        present.add(rows.getString(1));
                    }
                }
            }
            List<String> missing = mode.columns().stream().filter(column -> !present.contains(column)).toList();
            if (!missing.isEmpty()) {
                return "SINK_TABLE=" + table + " exists without the columns " + missing + " that SINK_MODE="
                        + mode.configName() + " needs (it was not created by steady-sink, or for the other mode): "
                        + "set SINK_TABLE to a new table or drop this one";
            }
            if (!uniqueKeys(connection, table).contains(Set.copyOf(mode.key()))) {
                String key = String.join(", ", mode.key());
                return "SINK_TABLE=" + table + " has no PRIMARY KEY or UNIQUE constraint on (" + key + "), which "
                        + "SINK_MODE=" + mode.configName() + " needs to write each record once: ALTER TABLE " + table
                        + " ADD PRIMARY KEY (" + key + ")";
            }
            String denied = denied(connection, table, PRIVILEGES);
            if (denied == null) {
                denied = denied(connection, TopicIds.tableFor(table), TOPIC_ID_PRIVILEGES);
            }
            return denied;
        }
    }

    /** The column sets of the table's unique keys that {@code ON CONFLICT} can use. */
    private static Set<Set<String>> uniqueKeys(Connection connection, String table) throws SQLException {
        Map<Long, Set<String>> keys = new HashMap<>();
        try (PreparedStatement unique = connection.prepareStatement(UNIQUE_KEYS)) {
            unique.setString(1, table);
            try (ResultSet rows = unique.executeQuery()) {
                while (rows.next()) {
                    keys.computeIfAbsent(rows.getLong(1), index -> new HashSet<>()).add(rows.getString(2));
                }
            }
        }
        return new HashSet<>(keys.values());
    }

    /** What the user may not do with {@code table} of {@code privileges}, as a line saying the fix. */
    private static String denied(Connection connection, String table, List<String> privileges) throws SQLException {
        List<String> denied = new ArrayList<>();
        try (PreparedStatement privilege = connection
                .prepareStatement("SELECT has_table_privilege(current_user, ?, ?)")) {
            for (String name : privileges) {
                privilege.setString(1, table);
                privilege.setString(2, name);
                try (ResultSet rows = privilege.executeQuery()) {
                    if (rows.next() && !rows.getBoolean(1)) {
                        denied.add(name);
                    }
                }
            }
        }
        if (denied.isEmpty()) {
            return null;
        }
        try (Statement statement = connection.createStatement();
                ResultSet who = statement.executeQuery("SELECT current_user, current_database()")) {
            who.next();
            return "user " + who.getString(1) + " may not " + String.join(", ", denied) + " table " + table
                    + " of database " + who.getString(2) + ": GRANT " + String.join(", ", privileges) + " ON " + table
                    + " TO " + identifier(who.getString(1));
        }
    }

    /** A role name as SQL spells it: quoted unless it is a plain lower-case identifier. */
    private static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : '"' + name.replace("\"", "\"\"") + '"';
    }

    private static String listed(List<String> names) {
        return names.size() == 1
                ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
    }
}
