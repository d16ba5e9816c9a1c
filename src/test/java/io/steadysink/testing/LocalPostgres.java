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

import io.steadysink.sink.SinkMode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from embedded binaries (Maven Central), started once per JVM and
 * shared by every test and the demo. Stopped by a shutdown hook.
 */
public final class LocalPostgres {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private static EmbeddedPostgres postgres;

    private LocalPostgres() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(LocalPostgres::stop, "local-postgres-stop"));
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start embedded PostgreSQL", e);
            }
        }
        return postgres;
    }

    public static String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + server().getPort() + "/" + DATABASE;
    }

    public static DataSource dataSource() {
        return server().getPostgresDatabase();
    }

    /** Runs the application's own migration scripts for {@code mode} into {@code table}. */
    public static void migrate(SinkMode mode, String table) {
        Flyway.configure()
                .dataSource(dataSource())
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

    private static synchronized void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                // the JVM is exiting; nothing to recover
            }
            postgres = null;
        }
    }
}
