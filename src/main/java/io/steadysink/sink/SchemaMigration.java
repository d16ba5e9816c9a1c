package io.steadysink.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
import io.quarkus.runtime.configuration.ConfigurationException;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;

/**
 * Creates or migrates the sink table with Flyway, after the settings are validated and before the
 * consumer joins its group: no record is taken before its table exists. The mode picks the scripts
 * ({@code append_V*} or {@code upsert_V*}); the table name is a Flyway placeholder. A table the
 * sink cannot own (it existed with another shape, or the user may not write it) stops start-up with
 * one line saying what to fix.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);
    private static final List<String> PRIVILEGES = List.of("SELECT", "INSERT", "UPDATE");

    void migrate(@Observes @Priority(StartupConfigCheck.PRIORITY + 1) StartupEvent event, Instance<Flyway> flyway,
            SinkConfig config, Instance<AgroalDataSource> dataSource, Config all) throws SQLException {
        if (!StartupConfigCheck.consumerEnabled(all)) {
            return; // a one-off command writes no table (and may run without a database configured)
        }
        MigrateResult result = flyway.get().migrate();
        SinkMode mode = SinkMode.parse(config.mode()).orElseThrow();
        String problem = ownershipProblem(dataSource.get(), mode, config.table());
        if (problem != null) {
            LOG.error(problem);
            throw new ConfigurationException("steady-sink cannot start: " + problem);
        }
        LOG.infof("Table %s (%s mode) is at schema version %s; %d migration(s) applied", config.table(),
                config.mode(),
                result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                result.migrationsExecuted);
    }

    /** Why the sink cannot write {@code table} in {@code mode}, or {@code null} when it can. */
    static String ownershipProblem(AgroalDataSource dataSource, SinkMode mode, String table) throws SQLException {
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
            List<String> denied = new ArrayList<>();
            try (PreparedStatement privilege = connection
                    .prepareStatement("SELECT has_table_privilege(current_user, ?, ?)")) {
                for (String name : PRIVILEGES) {
                    privilege.setString(1, table);
                    privilege.setString(2, name);
                    try (ResultSet rows = privilege.executeQuery()) {
                        if (rows.next() && !rows.getBoolean(1)) {
                            denied.add(name);
                        }
                    }
                }
            }
            if (!denied.isEmpty()) {
                return "the database user may not " + String.join(", ", denied) + " table " + table + ": GRANT "
                        + String.join(", ", PRIVILEGES) + " ON " + table
                        + " TO the user of QUARKUS_DATASOURCE_USERNAME";
            }
            return null;
        }
    }
}
