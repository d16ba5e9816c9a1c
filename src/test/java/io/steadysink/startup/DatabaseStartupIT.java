package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.PasswordPostgres;
import io.steadysink.testing.SteadySinkProcess;
import io.steadysink.testing.TcpGate;

/**
 * The packaged application started while PostgreSQL is not there, or refuses it: it waits within
 * {@code SINK_STARTUP_WAIT_MS} and starts once the database appears, stops at once on SIGTERM, and
 * ends every refusal with its exit code and one line on standard error.
 */
class DatabaseStartupIT {

    @Test
    void aDatabaseThatAppearsDuringTheWaitIsUsedAndRecordsLand() {
        String topic = "db-later-events";
        LocalKafka.createTopic(topic, 1);
        StartupRuns.produce(topic, 20);
        try (TcpGate gate = TcpGate.to("localhost", LocalPostgres.port());
                SteadySinkProcess app = SteadySinkProcess.start("db-later", gated(topic, "db_later_events", gate,
                        "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for PostgreSQL"));
            assertThat(app.output()).containsPattern("WARN .*Waiting for PostgreSQL at localhost:" + gate.port()
                    + " \\(QUARKUS_DATASOURCE_JDBC_URL\\) since \\S+Z: SQLSTATE 08001: Connection to localhost:"
                    + gate.port() + " refused; start-up gives up in \\d+ s \\(SINK_STARTUP_WAIT_MS=60000\\)");
            assertThat(app.httpStatus("/q/health/started")).as("not started while it waits").isNotEqualTo(200);

            gate.open();

            app.awaitStarted(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM db_later_events") == 20);
            assertThat(app.output()).containsPattern("PostgreSQL at localhost:" + gate.port()
                    + " \\(QUARKUS_DATASOURCE_JDBC_URL\\) answered after \\d+ s of waiting");
            StartupRuns.stopsCleanlyAfterAppearing(app, "PostgreSQL");
        }
    }

    @Test
    void theBrokerIsCheckedWhileStartupWaitsForTheDatabase() {
        try (TcpGate gate = TcpGate.to("localhost", LocalPostgres.port());
                SteadySinkProcess app = SteadySinkProcess.start("db-wait-broker", gated("db-wait-broker-events",
                        "db_wait_broker_events", gate, "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for PostgreSQL"));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(app.output())
                    .as("the broker check does not wait for PostgreSQL")
                    .contains("The Kafka broker answered at start-up"));
            assertThat(app.output()).doesNotContain("is at schema version");
        }
    }

    @Test
    void aDatabaseStillAwayWhenTheBudgetIsSpentEndsStartupWithExitCodeThreeAndOneLine() {
        try (TcpGate gate = TcpGate.to("localhost", LocalPostgres.port());
                SteadySinkProcess app = SteadySinkProcess.start("db-never", gated("db-never-events",
                        "db_never_events", gate, "3000"), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of an unavailable dependency")
                    .isEqualTo(3);
            assertThat(app.errors()).matches(StartupRuns.gaveUp("PostgreSQL at localhost:" + gate.port()
                    + " (QUARKUS_DATASOURCE_JDBC_URL)",
                    "SQLSTATE 08001: Connection to localhost:" + gate.port()
                            + " refused",
                    "3000",
                    "start PostgreSQL or correct QUARKUS_DATASOURCE_JDBC_URL, or raise SINK_STARTUP_WAIT_MS"));
            StartupRuns.assertNoStackTrace(app);
        }
    }

    @Test
    void sigtermWhileWaitingForTheDatabaseExitsZeroAtOnce() {
        try (TcpGate gate = TcpGate.to("localhost", LocalPostgres.port());
                SteadySinkProcess app = SteadySinkProcess.start("db-wait-term", gated("db-term-events",
                        "db_term_events", gate, "60000"), false)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> app.output().contains("Waiting for PostgreSQL"));

            StartupRuns.stopsAtOnceWhileWaitingFor(app, "PostgreSQL at localhost:" + gate.port());
        }
    }

    @Test
    void aWrongPasswordEndsStartupWithExitCodeFourAndOneLineNamingUserAndDatabase() {
        PasswordPostgres.createSchemaWriterRole("wrong_pw_user", "right-password");
        try (SteadySinkProcess app = SteadySinkProcess.start("db-wrong-password", withPasswordPostgres(
                "wrong-pw-events", "wrong_pw_events", "wrong_pw_user", "wrong-password"), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of a refusing dependency").isEqualTo(4);
            assertThat(app.errors()).isEqualTo("steady-sink cannot start: PostgreSQL at localhost:"
                    + PasswordPostgres.port() + " refused the login of user wrong_pw_user to database postgres "
                    + "(SQLSTATE 28P01: password authentication failed for user \"wrong_pw_user\"): check "
                    + "QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD\n");
            assertThat(app.output()).doesNotContain("wrong-password");
            StartupRuns.assertNoStackTrace(app);
        }
    }

    @Test
    void aRoleWithoutCreateOnTheSchemaEndsStartupWithExitCodeFourAndTheGrantToRun() {
        PasswordPostgres.createLoginRole("no_create_user", "its-password");
        try (SteadySinkProcess app = SteadySinkProcess.start("db-no-create", withPasswordPostgres("no-create-events",
                "no_create_events", "no_create_user", "its-password"), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of a refusing dependency").isEqualTo(4);
            assertThat(app.errors()).isEqualTo("steady-sink cannot start: user no_create_user may not create tables "
                    + "in schema public of database postgres, where no_create_events, no_create_events_schema_history"
                    + " and no_create_events_topics do not exist yet (SINK_TABLE=no_create_events): GRANT CREATE ON "
                    + "SCHEMA public TO no_create_user\n");
            StartupRuns.assertNoStackTrace(app);
        }
    }

    @Test
    void noPasswordWhereTheServerAsksForOneIsARefusedSettingWithExitCodeTwo() {
        PasswordPostgres.createSchemaWriterRole("no_pw_user", "its-password");
        try (SteadySinkProcess app = SteadySinkProcess.start("db-no-password", withPasswordPostgres("no-pw-events",
                "no_pw_events", "no_pw_user", ""), false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of a refused setting").isEqualTo(2);
            assertThat(app.errors()).isEqualTo("steady-sink cannot start: PostgreSQL at localhost:"
                    + PasswordPostgres.port() + " asks user no_pw_user for a password and QUARKUS_DATASOURCE_PASSWORD "
                    + "is not set or empty (SQLSTATE 08004: The server requested SCRAM-based authentication, but no "
                    + "password was provided.): set QUARKUS_DATASOURCE_PASSWORD\n");
            StartupRuns.assertNoStackTrace(app);
        }
    }

    @Test
    void aDatabaseThatDoesNotExistEndsStartupWithExitCodeFour() {
        Map<String, String> env = withPasswordPostgres("no-db-events", "no_db_events", PasswordPostgres.SUPERUSER,
                PasswordPostgres.SUPERUSER_PASSWORD);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + PasswordPostgres.port() + "/nosuchdb");
        try (SteadySinkProcess app = SteadySinkProcess.start("db-missing", env, false)) {
            assertThat(app.awaitExit(Duration.ofSeconds(60))).as("exit code of a refusing dependency").isEqualTo(4);
            assertThat(app.errors()).isEqualTo("steady-sink cannot start: database nosuchdb does not exist on "
                    + "PostgreSQL at localhost:" + PasswordPostgres.port() + " (SQLSTATE 3D000: database \"nosuchdb\" "
                    + "does not exist): correct the database name in QUARKUS_DATASOURCE_JDBC_URL\n");
            StartupRuns.assertNoStackTrace(app);
        }
    }

    /** An append sink whose database is behind {@code gate}, waiting at most {@code waitMs}. */
    private static Map<String, String> gated(String topic, String table, TcpGate gate, String waitMs) {
        Map<String, String> env = SteadySinkProcess.appendSink(topic, topic + "-group", table);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + gate.port() + "/"
                + LocalPostgres.DATABASE);
        env.put("SINK_STARTUP_WAIT_MS", waitMs);
        return env;
    }

    private static Map<String, String> withPasswordPostgres(String topic, String table, String user, String password) {
        Map<String, String> env = SteadySinkProcess.appendSink(topic, topic + "-group", table);
        env.putAll(PasswordPostgres.datasourceEnvironment(user, password));
        return env;
    }

}
