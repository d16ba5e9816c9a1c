package io.steadysink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.ConnectException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/** The gate stands for a database that is not there yet, then is, then goes away. */
class TcpGateTest {

    @Test
    void aClosedGateRefusesConnectionsAnOpenOneReachesPostgresAndClosingCutsThem() throws SQLException {
        try (TcpGate gate = TcpGate.to("localhost", PasswordPostgres.port())) {
            String url = "jdbc:postgresql://localhost:" + gate.port() + "/" + PasswordPostgres.DATABASE;

            PSQLException refused = catchThrowableOfType(PSQLException.class, () -> connect(url).close());
            assertThat(refused.getSQLState()).as("connection refused").isEqualTo("08001");
            assertThat(refused.getCause()).isInstanceOf(ConnectException.class);

            gate.open();
            Connection connection = connect(url);
            try (Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT current_user")) {
                rows.next();
                assertThat(rows.getString(1)).isEqualTo(PasswordPostgres.SUPERUSER);
            }

            gate.close();
            assertThat(catchThrowableOfType(SQLException.class,
                    () -> connection.createStatement().executeQuery("SELECT 1")).getSQLState())
                    .as("the open connection was cut").startsWith("08");
            assertThat(catchThrowableOfType(PSQLException.class, () -> connect(url).close()).getSQLState())
                    .isEqualTo("08001");
        }
    }

    private static Connection connect(String url) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", PasswordPostgres.SUPERUSER);
        properties.setProperty("password", PasswordPostgres.SUPERUSER_PASSWORD);
        properties.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, properties);
    }
}
