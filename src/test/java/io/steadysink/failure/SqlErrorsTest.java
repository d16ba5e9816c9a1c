package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

class SqlErrorsTest {

    private static final PSQLException CHECK_VIOLATION = new PSQLException(new ServerErrorMessage(
            "SERROR\0C23514\0Mnew row for relation \"orders\" violates check constraint \"positive\"\0"
                    + "DFailing row contains (secret-value).\0torders\0npositive\0"));

    @Test
    void summaryIsTheSqlStateAndPrimaryMessageWithoutTheRowData() {
        assertThat(CHECK_VIOLATION.getMessage()).as("the driver's own message").contains("secret-value");

        assertThat(SqlErrors.summary(CHECK_VIOLATION))
                .isEqualTo("SQLSTATE 23514: new row for relation \"orders\" violates check constraint \"positive\"");
    }

    @Test
    void summaryOfAnErrorNotFromTheServerIsItsSqlStateAndOfAnyOtherFailureItsMessage() {
        assertThat(SqlErrors.summary(new SQLException("pool closed", "08003"))).isEqualTo("SQLSTATE 08003");
        assertThat(SqlErrors.summary(new IllegalStateException("not JSON"))).isEqualTo("not JSON");
        assertThat(SqlErrors.summary(null)).isEqualTo("null");
    }

    @Test
    void theFirstSqlExceptionOfTheCauseChainCarriesTheServersFields() {
        SQLException found = SqlErrors.firstIn(new IllegalStateException(new RuntimeException(CHECK_VIOLATION)));

        assertThat((Throwable) found).isSameAs(CHECK_VIOLATION);
        assertThat(SqlErrors.server(found).getTable()).isEqualTo("orders");
        assertThat(SqlErrors.server(found).getConstraint()).isEqualTo("positive");
        assertThat(SqlErrors.server(new SQLException("x", "08003"))).isNull();
        assertThat((Throwable) SqlErrors.firstIn(new IllegalStateException())).isNull();
    }
}
