package io.steadysink.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.Config;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.SinkMode;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * Creates or migrates the sink table with Flyway, after the settings are validated and before the
 * consumer joins its group: no record is taken before its table exists. The mode picks the scripts
 * ({@code append_V*} or {@code upsert_V*}, whatever the case of {@code SINK_MODE}); the table name
 * is a Flyway placeholder. A table the sink cannot own (it existed with another shape, without the
 * key its writes conflict on, or the user may not write it) stops start-up with one line saying
 * what to fix.
 */
@ApplicationScoped
public class SchemaMigration {

    /** Runs right after the settings are checked; {@code TopicIdentityGuard} follows. */
    public static final int PRIORITY = StartupConfigCheck.PRIORITY + 1;

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);
    private static final List<String> PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE");
    private static final List<String> TOPIC_ID_PRIVILEGES = List.of("SELECT", "INSERT");

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

    void migrate(@Observes @Priority(PRIORITY) StartupEvent event, Instance<Flyway> flyway, SinkConfig config,
            Instance<AgroalDataSource> dataSource, Config all) throws SQLException {
        if (!StartupConfigCheck.consumerEnabled(all)) {
            return; // a one-off command writes no table (and may run without a database configured)
        }
        SinkMode mode = config.parsedMode();
        // The prefix follows the parsed mode, not the raw setting: SINK_MODE=UPSERT must find upsert_V*.
        MigrateResult result = Flyway.configure(flyway.get().getConfiguration().getClassLoader())
                .configuration(flyway.get().getConfiguration())
                .sqlMigrationPrefix(mode.configName() + "_V")
                .load()
                .migrate();
        String problem = ownershipProblem(dataSource.get(), mode, config.table());
        if (problem != null) {
            throw new StartupFailure(ExitCode.ACCESS_REFUSED, "steady-sink cannot start: " + problem);
        }
        LOG.infof("Table %s (%s mode) is at schema version %s; %d migration(s) applied", config.table(),
                mode.configName(),
                result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                result.migrationsExecuted);
    }

    /** Why the sink cannot write {@code table} in {@code mode}, or {@code null} when it can. */
    static String ownershipProblem(DataSource dataSource, SinkMode mode, String table) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            Set<String> present = new HashSet<>();
            try (PreparedStatement columns = connection.prepareStatement("SELECT column_name FROM "
                    + "information_schema.columns WHERE table_schema = current_schema() AND table_name = ?")) {
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
        return "the database user may not " + String.join(", ", denied) + " table " + table + ": GRANT "
                + String.join(", ", privileges) + " ON " + table + " TO the user of QUARKUS_DATASOURCE_USERNAME";
    }
}
