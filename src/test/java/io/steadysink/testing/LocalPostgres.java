package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

import io.steadysink.config.SinkMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from embedded binaries (Maven Central), started once per JVM and
 * shared by every test and the demo. Quarkus loads test classes again for each application restart,
 * so the port is kept in a system property that every class loader sees. Stopped by a shutdown hook.
 */
public final class LocalPostgres {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private static final String SHARED_PORT = "steady-sink.test.postgres.port";

    private static DataSource dataSource;

    private LocalPostgres() {
    }

    /** Starts the server on first use; returns its port. */
    public static int port() {
        return Integer.parseInt(OncePerJvm.value(SHARED_PORT, () -> {
            try {
                EmbeddedPostgres started = EmbeddedPostgres.builder().start();
                OncePerJvm.closeAtExit("local-postgres-stop", started);
                return Integer.toString(started.getPort());
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
            }
        }));
    }

    public static String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public static synchronized DataSource dataSource() {
        if (dataSource == null) {
            PGSimpleDataSource simple = new PGSimpleDataSource();
            simple.setUrl(jdbcUrl());
            simple.setUser(USER);
            simple.setPassword(PASSWORD);
            dataSource = simple;
        }
        return dataSource;
    }

    /** Runs the application's own migration scripts for {@code mode} into {@code table}. */
    public static void migrate(SinkMode mode, String table) {
        migrate(dataSource(), mode, table);
    }

    /** Runs the application's own migration scripts for {@code mode} into {@code table} of {@code database}. */
    public static void migrate(DataSource database, SinkMode mode, String table) {
        Flyway.configure()
                .dataSource(database)
                .locations("classpath:db/migration")
                .sqlMigrationPrefix(mode.configName() + "_V")
                .table(table + "_schema_history")
                .placeholders(Map.of("table", table))
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    /** The single {@code bigint} (or count) returned by {@code sql}. */
    public static long queryLong(String sql) {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    public static void execute(String sql) {
        try (Connection connection = dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
