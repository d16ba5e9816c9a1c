package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import io.steadysink.config.SinkMode;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.PasswordPostgres;

/**
 * What the sink's database user may do, checked against a PostgreSQL that checks passwords and
 * privileges: each problem is named as a missing privilege of that user, with the GRANT that fixes it.
 */
class SchemaMigrationAccessTest {

    private static final String PASSWORD = "its-password";

    @Test
    void aTableTheUserMayNotReadIsReportedAsAMissingPrivilegeNotAsMissingColumns() throws Exception {
        String table = "unreadable_events";
        migrateAsSuperuser(SinkMode.APPEND, table);
        PasswordPostgres.createSchemaWriterRole("unreadable_user", PASSWORD);

        assertThat(SchemaMigration.ownershipProblem(as("unreadable_user"), SinkMode.APPEND, table))
                .isEqualTo("user unreadable_user may not SELECT, INSERT, UPDATE table unreadable_events of database "
                        + "postgres: GRANT SELECT, INSERT, UPDATE ON unreadable_events TO unreadable_user");
    }

    @Test
    void aUserWithoutCreateOnTheSchemaIsToldTheGrantBeforeAnyTableIsCreated() throws Exception {
        PasswordPostgres.createLoginRole("creates_nothing", PASSWORD);

        assertThat(SchemaMigration.accessProblem(as("creates_nothing"), "fresh_events", "fresh_events_schema_history"))
                .isEqualTo("user creates_nothing may not create tables in schema public of database postgres, where "
                        + "fresh_events, fresh_events_schema_history and fresh_events_topics do not exist yet "
                        + "(SINK_TABLE=fresh_events): GRANT CREATE ON SCHEMA public TO creates_nothing");
    }

    @Test
    void withoutCreateTablesThatAllExistNeedNoneButTheirHistoryMustBeReadable() throws Exception {
        String table = "granted_events";
        migrateAsSuperuser(SinkMode.APPEND, table);
        PasswordPostgres.createLoginRole("history_reader", PASSWORD);

        assertThat(SchemaMigration.accessProblem(as("history_reader"), table, table + "_schema_history"))
                .isEqualTo("user history_reader may not SELECT, INSERT table granted_events_schema_history of "
                        + "database postgres: GRANT SELECT, INSERT ON granted_events_schema_history TO history_reader");

        PasswordPostgres.execute("GRANT SELECT, INSERT ON " + table + "_schema_history TO history_reader");
        assertThat(SchemaMigration.accessProblem(as("history_reader"), table, table + "_schema_history")).isNull();
    }

    @Test
    void aUserWhoMayCreateTablesHasNoProblem() throws Exception {
        PasswordPostgres.createSchemaWriterRole("creates_tables", PASSWORD);

        assertThat(SchemaMigration.accessProblem(as("creates_tables"), "new_events", "new_events_schema_history"))
                .isNull();
    }

    private static DataSource as(String user) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(PasswordPostgres.jdbcUrl());
        dataSource.setUser(user);
        dataSource.setPassword(PASSWORD);
        return dataSource;
    }

    private static void migrateAsSuperuser(SinkMode mode, String table) {
        PGSimpleDataSource superuser = new PGSimpleDataSource();
        superuser.setUrl(PasswordPostgres.jdbcUrl());
        superuser.setUser(PasswordPostgres.SUPERUSER);
        superuser.setPassword(PasswordPostgres.SUPERUSER_PASSWORD);
        LocalPostgres.migrate(superuser, mode, table);
    }
}
