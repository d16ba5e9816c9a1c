package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.RecreatedTopicException;
import io.steadysink.sink.SinkRecord;

class FailureClassTest {

    @Test
    void dataRejectionsAndInvalidRecordsArePoison() {
        assertThat(FailureClass.of(sql("22P05"))).as("\\u0000 in jsonb").isEqualTo(FailureClass.POISON);
        assertThat(FailureClass.of(sql("22003"))).as("numeric overflow").isEqualTo(FailureClass.POISON);
        assertThat(FailureClass.of(sql("23502"))).as("not-null violation").isEqualTo(FailureClass.POISON);
        assertThat(FailureClass.of(sql("54000"))).as("index row too large").isEqualTo(FailureClass.POISON);
        SinkRecord record = new SinkRecord("t", 0, 1, null, new byte[0], List.of(), 0);
        assertThat(FailureClass.of(new IllegalStateException(
                new InvalidRecordException(record, InvalidRecordException.Defect.VALUE_NOT_JSON, "empty"))))
                .isEqualTo(FailureClass.POISON);
    }

    @Test
    void anUnansweringRegistryIsTransientAndRefusedCredentialsAreFatal() {
        RuntimeException away = new io.steadysink.format.RegistryUnavailable("the schema registry at"
                + " http://registry:8081 did not answer for schema id 7: ConnectException", null);

        assertThat(FailureClass.of(new RuntimeException(away))).isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClass.isRegistryUnavailable(new RuntimeException(away))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(away)).as("not the database").isFalse();
    }

    @Test
    void outagesTimeoutsAndContentionAreTransient() {
        for (String state : List.of("08001", "08006", "53300", "57014", "57P01", "40001", "40P01", "55P03")) {
            assertThat(FailureClass.of(sql(state))).as(state).isEqualTo(FailureClass.TRANSIENT);
        }
        assertThat(FailureClass.of(new SQLTransientConnectionException("x"))).isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClass.of(new SQLException("Acquisition timeout while waiting for new connection")))
                .as("pool exhausted").isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClass.of(new TimeoutException("dead-letter topic unreachable")))
                .isEqualTo(FailureClass.TRANSIENT);
    }

    @Test
    void aConnectionRejectedForAMissingPasswordOrSslIsFatalThoughItsClassIsConnectionException() {
        SQLException noPassword = new SQLException("The server requested SCRAM-based authentication, but no password "
                + "was provided.", "08004");

        assertThat(FailureClass.isTransientDatabaseError(noPassword)).isFalse();
        assertThat(FailureClass.of(noPassword)).isEqualTo(FailureClass.FATAL);
        assertThat(FatalAdvice.of(noPassword, "orders")).startsWith("PostgreSQL rejected the connection before the "
                + "login: check QUARKUS_DATASOURCE_PASSWORD and the sslmode of QUARKUS_DATASOURCE_JDBC_URL");
    }

    @Test
    void classifiesConnectionLossTimeoutsAndConflictsAsTransientButNotDataOrPermissionErrors() {
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("refused", "08001"))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("canceled", "57014"))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("deadlock", "40P01"))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("too many", "53300"))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("Sorry, acquisition timeout!"))).isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new RuntimeException(new SQLTransientConnectionException())))
                .isTrue();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("bad json", "22P02"))).isFalse();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("password", "28P01"))).isFalse();
        assertThat(FailureClass.isTransientDatabaseError(new SQLException("denied", "42501"))).isFalse();
        assertThat(FailureClass.isTransientDatabaseError(new IllegalArgumentException())).isFalse();
    }

    @Test
    void kafkaFailuresAreNotJudgedAsDatabaseErrors() {
        TimeoutException unreachable = new TimeoutException("dead-letter topic unreachable");

        assertThat(FailureClass.of(unreachable)).isEqualTo(FailureClass.TRANSIENT);
        assertThat(FailureClass.isTransientDatabaseError(unreachable)).isFalse();
    }

    @Test
    void statementTimeoutsAndRecordsTooLargeForKafkaAreFoundAnywhereInTheCauseChain() {
        assertThat(FailureClass.isStatementTimeout(new IllegalStateException(sql("57014")))).isTrue();
        assertThat(FailureClass.isStatementTimeout(sql("55P03"))).as("lock timeout").isFalse();
        assertThat(FailureClass.isRecordTooLarge(new ExecutionException(new RecordTooLargeException("1 MiB"))))
                .isTrue();
        assertThat(FailureClass.isRecordTooLarge(new RecordBatchTooLargeException("batch"))).isTrue();
        assertThat(FailureClass.isRecordTooLarge(new TimeoutException("unreachable"))).isFalse();
    }

    @Test
    void credentialsPermissionsSchemaAndUnknownFailuresAreFatal() {
        for (String state : List.of("28P01", "42501", "42P01", "42703", "3D000")) {
            assertThat(FailureClass.of(sql(state))).as(state).isEqualTo(FailureClass.FATAL);
        }
        assertThat(FailureClass.of(new SaslAuthenticationException("bad password"))).isEqualTo(FailureClass.FATAL);
        assertThat(FailureClass.of(new TopicAuthorizationException("no WRITE"))).isEqualTo(FailureClass.FATAL);
        assertThat(FailureClass.of(new NullPointerException())).isEqualTo(FailureClass.FATAL);
    }

    @Test
    void fatalAdviceNamesWhatToFix() {
        assertThat(FatalAdvice.of(sql("42501"), "orders"))
                .startsWith("the database user may not write table orders: GRANT SELECT, INSERT, UPDATE ON orders");
        assertThat(FatalAdvice.of(sql("28P01"), "orders")).contains("QUARKUS_DATASOURCE_PASSWORD");
        assertThat(FatalAdvice.of(new SaslAuthenticationException("bad"), "orders")).contains("KAFKA_SASL_JAAS_CONFIG");
    }

    @Test
    void aRecreatedTopicIsFatalAndItsLineSaysWhatHappenedAndTheChoices() {
        SQLException recreated = RecreatedTopicException.coordinatesReused("orders_log", "orders", 2, 17);

        assertThat(FailureClass.of(recreated)).isEqualTo(FailureClass.FATAL);
        assertThat(FatalAdvice.of(new IllegalStateException(recreated), "orders_log"))
                .isEqualTo(recreated.getMessage())
                .startsWith("topic orders was deleted and recreated, or KAFKA_BOOTSTRAP_SERVERS now points at another "
                        + "cluster: table orders_log already holds another record at orders-2@17");
    }

    private static SQLException sql(String state) {
        return new SQLException("failure " + state, state);
    }
}
