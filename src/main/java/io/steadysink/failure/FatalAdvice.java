package io.steadysink.failure;

import java.sql.SQLException;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

import io.steadysink.failure.PoisonRecordHandler.ConsumerStoppedException;
import io.steadysink.sink.RecreatedTopicException;

/** One line telling an operator what a fatal failure means and what to fix. */
public final class FatalAdvice {

    private FatalAdvice() {
    }

    public static String of(Throwable failure, String table) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConsumerStoppedException || cause instanceof RejectionBreaker.Tripped
                    || cause instanceof RecreatedTopicException) {
                return cause.getMessage();
            }
            if (cause instanceof AuthenticationException) {
                return "Kafka refused authentication (" + cause.getMessage() + "): check KAFKA_SECURITY_PROTOCOL, "
                        + "KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG";
            }
            if (cause instanceof AuthorizationException) {
                return "Kafka refused access (" + cause.getMessage() + "): grant the consumer's principal READ on "
                        + "the topics and group and WRITE on the dead-letter topic";
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                String advice = database(sql.getSQLState(), table);
                if (advice != null) {
                    return advice + " (" + SqlErrors.summary(sql) + ")";
                }
            }
        }
        return "unexpected failure, not known to be transient, so the consumer stops rather than skip records: "
                + failure;
    }

    private static String database(String state, String table) {
        if (state.startsWith("28")) {
            return "PostgreSQL refused the login: check QUARKUS_DATASOURCE_USERNAME and QUARKUS_DATASOURCE_PASSWORD";
        }
        return switch (state) {
            case "42501" -> "the database user may not write table " + table
                    + ": GRANT SELECT, INSERT, UPDATE ON " + table + " TO the user of QUARKUS_DATASOURCE_USERNAME";
            case "42P01" -> "table " + table + " no longer exists: restore it, or restart steady-sink to re-create "
                    + "it empty";
            case "42703", "42804", "42P10" -> "table " + table + " does not have the columns and keys its SINK_MODE "
                    + "needs: restore its shape or set SINK_TABLE to a new table";
            case "3D000" -> "the database does not exist: fix QUARKUS_DATASOURCE_JDBC_URL";
            case "08004" -> "PostgreSQL rejected the connection before the login: check QUARKUS_DATASOURCE_PASSWORD "
                    + "and the sslmode of QUARKUS_DATASOURCE_JDBC_URL";
            case "3F000" -> "the schema does not exist: fix the currentSchema of QUARKUS_DATASOURCE_JDBC_URL";
            case "25006" -> "the database is read-only (a standby?): point QUARKUS_DATASOURCE_JDBC_URL at the primary";
            default -> null;
        };
    }
}
