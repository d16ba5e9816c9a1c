package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.Optional;

import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;

import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;

/** What each failure to reach or migrate PostgreSQL means at start-up, and how the line names it. */
class DatabaseAtStartupTest {

    private final DatabaseAtStartup database = DatabaseAtStartup.of(
            Optional.of("jdbc:postgresql://db.example.com:6432/app?sslmode=verify-full&password=secret"),
            Optional.of("sink"));

    @Test
    void theLinesNameHostPortDatabaseAndUserFromTheSettingsButNeverTheUrl() {
        assertThat(database.dependency()).isEqualTo(new StartupWait.Dependency("PostgreSQL at db.example.com:6432",
                "QUARKUS_DATASOURCE_JDBC_URL", "start PostgreSQL or correct QUARKUS_DATASOURCE_JDBC_URL"));
        assertThat(DatabaseAtStartup.of(Optional.of("jdbc:postgresql://a:5432,b:5433/app"), Optional.empty())
                .dependency().name()).isEqualTo("PostgreSQL at a:5432,b:5433");
    }

    @Test
    void anOutageAStartingServerAndAFullServerAreWaitedOut() {
        assertThat(database.verdict(new SQLException("Connection to db.example.com:6432 refused. Check that the "
                + "hostname and port are correct", "08001"), "orders"))
                .isInstanceOf(StartupWait.Unavailable.class)
                .hasMessage("SQLSTATE 08001: Connection to db.example.com:6432 refused");
        assertThat(database.verdict(new SQLException("the database system is starting up", "57P03"), "orders"))
                .isInstanceOf(StartupWait.Unavailable.class);
        assertThat(database.verdict(new SQLException("sorry, too many clients already", "53300"), "orders"))
                .isInstanceOf(StartupWait.Unavailable.class);
        assertThat(database.verdict(new SQLException("Acquisition timeout while waiting for new connection"),
                "orders")).isInstanceOf(StartupWait.Unavailable.class)
                .hasMessage("Acquisition timeout while waiting for new connection");
    }

    @Test
    void aRefusedLoginOrAMissingDatabaseEndsStartupWithExitCodeFourNamingUserAndDatabase() {
        assertThat(database.verdict(new FlywayException("Unable to obtain connection",
                new SQLException("FATAL: password authentication failed for user \"sink\"", "28P01")), "orders"))
                .isInstanceOfSatisfying(StartupFailure.class, failure -> {
                    assertThat(failure.code()).isEqualTo(ExitCode.ACCESS_REFUSED);
                    assertThat(failure.line()).isEqualTo("steady-sink cannot start: PostgreSQL at "
                            + "db.example.com:6432 refused the login of user sink to database app (SQLSTATE 28P01: "
                            + "FATAL: password authentication failed for user \"sink\"): check "
                            + "QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD");
                });
        assertThat(database.verdict(new SQLException("role is not permitted to log in", "28000"), "orders"))
                .isInstanceOfSatisfying(StartupFailure.class,
                        failure -> assertThat(failure.code()).isEqualTo(ExitCode.ACCESS_REFUSED));
        assertThat(database.verdict(new SQLException("database \"app\" does not exist", "3D000"), "orders"))
                .isInstanceOfSatisfying(StartupFailure.class, failure -> assertThat(failure.line())
                        .startsWith("steady-sink cannot start: database app does not exist on PostgreSQL at "
                                + "db.example.com:6432"));
    }

    @Test
    void aPasswordTheServerAsksForAndWasNotGivenIsARefusedSetting() {
        assertThat(database.verdict(new SQLException("The server requested SCRAM-based authentication, but no "
                + "password was provided.", "08004"), "orders")).isInstanceOfSatisfying(StartupFailure.class,
                        failure -> {
                            assertThat(failure.code()).isEqualTo(ExitCode.SETTINGS_REFUSED);
                            assertThat(failure.line()).endsWith(": set QUARKUS_DATASOURCE_PASSWORD");
                        });
    }

    @Test
    void aMissingPrivilegeOrAHistoryFlywayRefusesEndsStartupWithExitCodeFourAndAnythingElseIsUnexpected() {
        assertThat(database.verdict(new SQLException("ERROR: must be owner of table orders", "42501"), "orders"))
                .isInstanceOfSatisfying(StartupFailure.class, failure -> assertThat(failure.line())
                        .startsWith("steady-sink cannot start: user sink lacks a privilege in database app"));
        assertThat(database.verdict(new FlywayException("Validate failed: Migrations have failed validation\n"
                + "Detected applied migration not resolved locally: 3."), "orders"))
                .isInstanceOfSatisfying(StartupFailure.class, failure -> assertThat(failure.line())
                        .isEqualTo("steady-sink cannot start: Flyway cannot migrate SINK_TABLE=orders in database "
                                + "app: Validate failed: Migrations have failed validation"));
        IllegalStateException bug = new IllegalStateException("bug");
        assertThat(database.verdict(bug, "orders")).isSameAs(bug);
    }
}
