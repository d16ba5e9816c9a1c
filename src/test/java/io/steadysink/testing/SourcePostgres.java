package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from embedded binaries that plays the database being replicated: logical
 * decoding on ({@code wal_level=logical}, the built-in {@code pgoutput} plugin), captured by
 * {@link DebeziumConnect}. It is a separate instance from {@link LocalPostgres} (the sink's
 * database), started on first use, shared by the whole JVM through a system property (Quarkus loads
 * test classes again per application) and stopped by a shutdown hook. Logins are trusted.
 */
public final class SourcePostgres {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    public static final String DATABASE = "postgres";

    private static final String SHARED_PORT = "steady-sink.test.source-postgres.port";

    private SourcePostgres() {
    }

    /** Starts the server on first use; returns its port. */
    public static int port() {
        return Integer.parseInt(OncePerJvm.value(SHARED_PORT, () -> {
            try {
                EmbeddedPostgres started = EmbeddedPostgres.builder()
                        .setServerConfig("wal_level", "logical")
                        .setServerConfig("max_replication_slots", "10")
                        .setServerConfig("max_wal_senders", "10")
                        .start();
                OncePerJvm.closeAtExit("source-postgres-stop", started);
                return Integer.toString(started.getPort());
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start the embedded source PostgreSQL", e);
            }
        }));
    }

    public static String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** A new connection as the superuser; the caller closes it. */
    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Runs each statement in its own transaction (autocommit). */
    public static void execute(String... statements) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                run(statement, sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not connect to the source PostgreSQL", e);
        }
    }

    /** Runs all statements in one transaction: one commit, so one transaction in the change stream. */
    public static void inTransaction(String... statements) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            for (String sql : statements) {
                run(statement, sql);
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not commit the transaction in the source PostgreSQL", e);
        }
    }

    private static void run(Statement statement, String sql) {
        try {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
