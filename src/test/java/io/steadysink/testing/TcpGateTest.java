package io.steadysink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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

    @Test
    void noConnectionMadeAfterCloseReachesTheTargetEvenWhileTheAcceptingThreadLags() throws IOException {
        try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answering = new Thread(() -> answerEachConnectionWithOneByte(target), "gate-test-target");
            answering.setDaemon(true);
            answering.start();
            int reached = 0;
            for (int round = 0; round < 200; round++) {
                try (TcpGate gate = TcpGate.to("localhost", target.getLocalPort())) {
                    gate.open();
                    try (Socket through = new Socket("localhost", gate.port())) {
                        assertThat(through.getInputStream().read()).as("an open gate forwards").isEqualTo(42);
                    }
                    gate.close();
                    try (Socket after = new Socket("localhost", gate.port())) {
                        after.setSoTimeout(2_000);
                        if (after.getInputStream().read() == 42) {
                            reached++;
                        }
                    } catch (IOException refusedOrCut) {
                        // what a closed gate does
                    }
                }
            }
            assertThat(reached).as("connections that reached the target through a closed gate").isZero();
        }
    }

    private static void answerEachConnectionWithOneByte(ServerSocket target) {
        while (!target.isClosed()) {
            try (Socket socket = target.accept()) {
                socket.getOutputStream().write(42);
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // the target closed at the end of the test
            }
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
