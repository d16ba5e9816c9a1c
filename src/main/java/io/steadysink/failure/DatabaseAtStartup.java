package io.steadysink.failure;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;

import org.flywaydb.core.api.FlywayException;
import org.postgresql.Driver;

import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;

/**
 * PostgreSQL as start-up meets it: where it is, as the lines name it (host and port, database and
 * user, from {@code QUARKUS_DATASOURCE_JDBC_URL} and {@code QUARKUS_DATASOURCE_USERNAME}; no
 * connection exists yet to ask), and what a failure to reach it or to migrate means. What is
 * transient ({@link FailureClass#isTransientDatabaseError}) is waited out; a login refused, a missing
 * database or privilege, a history Flyway refuses end start-up with {@link ExitCode#ACCESS_REFUSED};
 * a password the server asks for and was not given is a setting ({@link ExitCode#SETTINGS_REFUSED}).
 */
final class DatabaseAtStartup {

    static final String URL_VARIABLE = "QUARKUS_DATASOURCE_JDBC_URL";

    private final String server;
    private final String database;
    private final String user;

    DatabaseAtStartup(String server, String database, String user) {
        this.server = server;
        this.database = database;
        this.user = user;
    }

    /**
     * @param url the JDBC URL (never quoted in a line: it may carry a password)
     * @param username the configured user; without it, the URL's or the JVM's user, as the driver takes it
     */
    static DatabaseAtStartup of(Optional<String> url, Optional<String> username) {
        Properties parsed = url.map(value -> Driver.parseURL(value, new Properties())).orElse(null);
        if (parsed == null) {
            return new DatabaseAtStartup("PostgreSQL", "(unknown)", username.orElse("(unknown)"));
        }
        String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
        String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            servers.add(hosts[i] + ":" + ports[Math.min(i, ports.length - 1)]);
        }
        return new DatabaseAtStartup("PostgreSQL at " + String.join(",", servers), parsed.getProperty("PGDBNAME"),
                username.orElse(parsed.getProperty("user", System.getProperty("user.name"))));
    }

    StartupWait.Dependency dependency() {
        return new StartupWait.Dependency(server, URL_VARIABLE, "start PostgreSQL or correct " + URL_VARIABLE);
    }

    /**
     * What {@code failure}, met while connecting or migrating, means at start-up: a
     * {@link StartupWait.Unavailable} to wait out, a {@link StartupFailure} that ends start-up, or
     * {@code failure} itself when it is not PostgreSQL's or Flyway's (unexpected).
     */
    Exception verdict(Exception failure, String table) {
        SQLException sql = SqlErrors.firstIn(failure);
        String state = sql == null || sql.getSQLState() == null ? "" : sql.getSQLState();
        if (state.equals("08004")) {
            return StartupFailure.cannotStart(ExitCode.SETTINGS_REFUSED, String.valueOf(sql.getMessage())
                    .toLowerCase(Locale.ROOT).contains("password")
                            ? server + " asks user " + user + " for a password and QUARKUS_DATASOURCE_PASSWORD"
                                    + " is not set or empty (" + SqlErrors.said(sql)
                                    + "): set QUARKUS_DATASOURCE_PASSWORD"
                            : server + " rejected the connection of user " + user + " (" + SqlErrors.said(sql)
                                    + "): check the sslmode of " + URL_VARIABLE + " and QUARKUS_DATASOURCE_PASSWORD");
        }
        if (FailureClass.isTransientDatabaseError(failure)) {
            return new StartupWait.Unavailable(sql == null ? failure.getMessage() : SqlErrors.said(sql));
        }
        if (state.startsWith("28")) {
            return refused(server + " refused the login of user " + user + " to database " + database + " ("
                    + SqlErrors.said(sql) + "): check QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD");
        }
        if (state.equals("3D000")) {
            return refused("database " + database + " does not exist on " + server + " (" + SqlErrors.said(sql)
                    + "): correct the database name in " + URL_VARIABLE);
        }
        if (state.equals("42501")) {
            return refused("user " + user + " lacks a privilege in database " + database + " on " + server + " ("
                    + SqlErrors.said(sql) + "): grant it to " + user + ", or make " + user
                    + " the owner of the tables of SINK_TABLE="
                    + table);
        }
        if (sql != null) {
            String advice = FatalAdvice.of(sql, table);
            return refused(advice.startsWith("unexpected failure")
                    ? server + " refused what start-up asked of user " + user + " in database " + database + " ("
                            + SqlErrors.said(sql) + ")"
                    : advice);
        }
        if (failure instanceof FlywayException flyway) {
            return refused("Flyway cannot migrate SINK_TABLE=" + table + " in database " + database + ": "
                    + String.valueOf(flyway.getMessage()).strip().lines().findFirst().orElse(""));
        }
        return failure;
    }

    private static StartupFailure refused(String line) {
        return StartupFailure.cannotStart(ExitCode.ACCESS_REFUSED, line);
    }
}
