package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server from embedded binaries that checks passwords (scram-sha-256 for every
 * connection, local and TCP), for proving what a wrong password or a missing privilege does.
 * {@link LocalPostgres} trusts every login; this one is a separate instance, started on first use,
 * shared by the whole JVM through a system property (Quarkus loads test classes again per
 * application) and stopped by a shutdown hook.
 * <p>
 * From PostgreSQL 15 on, schema {@code public} grants CREATE only to its owner; the server
 * revokes it from PUBLIC explicitly anyway, so a role gets it only where a test grants it.
 */
public final class PasswordPostgres {

    public static final String SUPERUSER = "postgres";
    public static final String SUPERUSER_PASSWORD = "superuser-password";
    public static final String DATABASE = "postgres";

    private static final String SHARED_PORT = "steady-sink.test.password-postgres.port";
    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private PasswordPostgres() {
    }

    /** Starts the server on first use; returns its port. */
    public static int port() {
        return Integer.parseInt(OncePerJvm.value(SHARED_PORT, () -> {
            EmbeddedPostgres started = start();
            OncePerJvm.closeAtExit("password-postgres-stop", started);
            try (Connection connection = started.getPostgresDatabase().getConnection();
                    Statement statement = connection.createStatement()) {
                statement.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            } catch (SQLException e) {
                throw new IllegalStateException("Could not revoke CREATE on schema public", e);
            }
            return Integer.toString(started.getPort());
        }));
    }

    public static String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /**
     * The {@code QUARKUS_DATASOURCE_*} variables that point the packaged application at this server
     * as {@code user}; put them over {@link SteadySinkProcess#localInfrastructure(int)}'s.
     */
    public static Map<String, String> datasourceEnvironment(String user, String password) {
        return Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", user,
                "QUARKUS_DATASOURCE_PASSWORD", password);
    }

    /**
     * A new connection as {@code user} over TCP; the server checks {@code password} ({@code null}:
     * none given, as with an unset {@code QUARKUS_DATASOURCE_PASSWORD}).
     */
    public static Connection connect(String user, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(jdbcUrl(), properties);
    }

    /** Runs {@code sql} as the superuser. */
    public static void execute(String sql) {
        try (Connection connection = connect(SUPERUSER, SUPERUSER_PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /**
     * (Re)creates {@code role} as a login role with {@code password} (stored as a SCRAM verifier)
     * that may connect and read the catalog but create nothing in schema {@code public}. Objects a
     * previous role of that name owned are dropped with it.
     */
    public static void createLoginRole(String role, String password) {
        dropRole(role);
        execute("CREATE ROLE " + checked(role) + " LOGIN PASSWORD " + literal(password));
    }

    /**
     * Like {@link #createLoginRole(String, String)}, plus CREATE on schema {@code public}: what the
     * application's database user needs to run its migrations.
     */
    public static void createSchemaWriterRole(String role, String password) {
        createLoginRole(role, password);
        execute("GRANT CREATE ON SCHEMA public TO " + checked(role));
    }

    /** (Re)creates {@code role} with {@code password} but without the LOGIN attribute. */
    public static void createRoleWithoutLogin(String role, String password) {
        dropRole(role);
        execute("CREATE ROLE " + checked(role) + " NOLOGIN PASSWORD " + literal(password));
    }

    /** Drops {@code role} and everything it owns in this database, if it exists. */
    public static void dropRole(String role) {
        String name = checked(role);
        execute("DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = " + literal(role) + ") THEN "
                + "EXECUTE 'DROP OWNED BY " + name + " CASCADE'; EXECUTE 'DROP ROLE " + name + "'; END IF; END $$");
    }

    private static EmbeddedPostgres start() {
        Path passwordFile = null;
        try {
            passwordFile = Files.createTempFile("password-postgres", ".pw",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(passwordFile, SUPERUSER_PASSWORD + "\n", StandardCharsets.UTF_8);
            // zonky runs "initdb -A trust -U postgres ..." followed by one "--key=value" per locale
            // setting; initdb takes the last authentication option, so these replace trust in
            // pg_hba.conf and give the superuser its password.
            return EmbeddedPostgres.builder()
                    .setLocaleConfig("auth", "scram-sha-256")
                    .setLocaleConfig("pwfile", passwordFile.toString())
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // zonky's own readiness check logs in as the superuser
                    .setConnectConfig("password", SUPERUSER_PASSWORD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded PostgreSQL with password authentication", e);
        } finally {
            if (passwordFile != null) {
                try {
                    Files.deleteIfExists(passwordFile);
                } catch (IOException e) {
                    // a temporary file; nothing else depends on it
                }
            }
        }
    }

    private static String checked(String role) {
        if (!ROLE_NAME.matcher(role).matches()) {
            throw new IllegalArgumentException("Not a plain lower-case role name: " + role);
        }
        return role;
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
