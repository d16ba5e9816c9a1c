package io.steadysink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * The password-checking PostgreSQL answers logins and privileges the way a production server does:
 * the errors start-up failures are proven against are the server's own.
 */
class PasswordPostgresTest {

    private static final String ROLE = "password_probe";
    private static final String PASSWORD = "right-password";

    @Test
    void theRightPasswordConnectsAndEveryLoginIsCheckedWithScram() throws SQLException {
        PasswordPostgres.createLoginRole(ROLE, PASSWORD);

        try (Connection connection = PasswordPostgres.connect(ROLE, PASSWORD)) {
            assertThat(single(connection, "SELECT current_user")).isEqualTo(ROLE);
        }
        try (Connection superuser = PasswordPostgres.connect(PasswordPostgres.SUPERUSER,
                PasswordPostgres.SUPERUSER_PASSWORD)) {
            assertThat(single(superuser, "SELECT rolpassword FROM pg_authid WHERE rolname = '" + ROLE + "'"))
                    .startsWith("SCRAM-SHA-256$");
            assertThat(column(superuser, "SELECT DISTINCT auth_method FROM pg_hba_file_rules"))
                    .containsExactly("scram-sha-256");
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithSqlState28P01AndTheServersMessage() {
        PasswordPostgres.createLoginRole(ROLE, PASSWORD);

        PSQLException refused = catchThrowableOfType(PSQLException.class,
                () -> PasswordPostgres.connect(ROLE, "wrong-password").close());

        assertThat(refused.getSQLState()).isEqualTo("28P01");
        assertThat(refused.getServerErrorMessage().getSeverity()).isEqualTo("FATAL");
        assertThat(refused.getServerErrorMessage().getMessage())
                .isEqualTo("password authentication failed for user \"" + ROLE + "\"");
        assertThat(refused.getMessage()).doesNotContain("wrong-password");
    }

    @Test
    void aRoleWithoutLoginIsRefusedWithSqlState28000EvenWithItsPassword() {
        PasswordPostgres.createRoleWithoutLogin(ROLE, PASSWORD);

        PSQLException refused = catchThrowableOfType(PSQLException.class,
                () -> PasswordPostgres.connect(ROLE, PASSWORD).close());

        assertThat(refused.getSQLState()).isEqualTo("28000");
        assertThat(refused.getServerErrorMessage().getMessage())
                .isEqualTo("role \"" + ROLE + "\" is not permitted to log in");
    }

    @Test
    void noPasswordOrAnEmptyOneIsRefusedByTheDriverWithSqlState08004() {
        PasswordPostgres.createLoginRole(ROLE, PASSWORD);

        PSQLException none = catchThrowableOfType(PSQLException.class,
                () -> PasswordPostgres.connect(ROLE, null).close());
        PSQLException empty = catchThrowableOfType(PSQLException.class,
                () -> PasswordPostgres.connect(ROLE, "").close());

        assertThat(none.getServerErrorMessage()).as("the driver's error, not the server's").isNull();
        assertThat(none.getSQLState()).isEqualTo("08004");
        assertThat(none.getMessage()).isEqualTo("The server requested SCRAM-based authentication, but no password "
                + "was provided.");
        assertThat(empty.getSQLState()).isEqualTo("08004");
        assertThat(empty.getMessage()).isEqualTo("The server requested SCRAM-based authentication, but the password "
                + "is an empty string.");
    }

    @Test
    void aRoleWithoutCreateOnTheSchemaIsRefusedCreateTableWithSqlState42501() throws SQLException {
        PasswordPostgres.createLoginRole(ROLE, PASSWORD);

        try (Connection connection = PasswordPostgres.connect(ROLE, PASSWORD);
                Statement statement = connection.createStatement()) {
            PSQLException refused = catchThrowableOfType(PSQLException.class,
                    () -> statement.execute("CREATE TABLE probe_table (id bigint)"));

            assertThat(refused.getSQLState()).isEqualTo("42501");
            assertThat(refused.getServerErrorMessage().getMessage()).isEqualTo("permission denied for schema public");
        }
    }

    @Test
    void aSchemaWriterRoleMayCreateTables() throws SQLException {
        PasswordPostgres.createSchemaWriterRole(ROLE, PASSWORD);

        try (Connection connection = PasswordPostgres.connect(ROLE, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE probe_table (id bigint)");
            assertThat(single(connection, "SELECT tableowner FROM pg_tables WHERE tablename = 'probe_table'"))
                    .isEqualTo(ROLE);
        }
        PasswordPostgres.dropRole(ROLE);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        List<String> values = column(connection, sql);
        assertThat(values).as(sql).hasSize(1);
        return values.get(0);
    }

    private static List<String> column(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
