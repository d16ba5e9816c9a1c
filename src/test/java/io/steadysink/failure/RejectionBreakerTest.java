package io.steadysink.failure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.sink.SinkRecord;

/** The breaker's two rules on their own; {@code IsolatingWriterTest} drives them with real PostgreSQL. */
class RejectionBreakerTest {

    private final RejectionBreaker breaker = new RejectionBreaker(10, 0.5, 1_000);

    @Test
    void tenRejectionsInARowForTheSameReasonTripOnTheTenth() throws Exception {
        for (int i = 0; i < 9; i++) {
            breaker.rejected(rejection("23502"));
        }
        breaker.check();

        assertThatThrownBy(() -> breaker.rejected(rejection("23502"))).isInstanceOf(RejectionBreaker.Tripped.class)
                .hasMessageContaining("10 records in a row rejected with SQLSTATE 23502")
                .hasMessageContaining("raise SINK_REJECTIONS_MIN (now 10)");
    }

    @Test
    void aWrittenRecordEndsTheRun() throws Exception {
        breaker.written(100);
        for (int i = 0; i < 9; i++) {
            breaker.rejected(rejection("23514"));
        }
        breaker.written(100);

        assertThatCode(() -> {
            for (int i = 0; i < 9; i++) {
                breaker.rejected(rejection("23514"));
            }
        }).doesNotThrowAnyException();
    }

    @Test
    void rejectionsForDifferentReasonsMakeNoRunButATenthSameOneInARowDoes() throws Exception {
        breaker.written(1_000);
        for (int i = 0; i < 20; i++) {
            breaker.rejected(rejection(i % 2 == 0 ? "22P05" : "22003"));
        }
        breaker.check();

        assertThatThrownBy(() -> {
            for (int i = 0; i < 10; i++) {
                breaker.rejected(rejection("22003"));
            }
        }).isInstanceOf(RejectionBreaker.Tripped.class).hasMessageContaining("in a row");
    }

    @Test
    void moreThanHalfOfTheWindowRejectedTripsWithoutARun() {
        assertThatThrownBy(() -> {
            for (int i = 0; i < 30; i++) {
                if (i % 3 == 0) {
                    breaker.written(1);
                } else {
                    breaker.rejected(rejection("23514"));
                }
            }
        }).isInstanceOf(RejectionBreaker.Tripped.class)
                .hasMessageContaining("10 of the last 15 records rejected")
                .hasMessageContaining("SINK_REJECTIONS_MAX_RATIO=0.5");
    }

    @Test
    void recordsWrittenBeforeTheWindowDoNotDiluteTheRatio() throws Exception {
        RejectionBreaker small = new RejectionBreaker(10, 0.5, 20);
        small.written(100_000);

        assertThatThrownBy(() -> {
            for (int i = 0; i < 30; i++) {
                if (i % 3 == 0) {
                    small.written(1);
                } else {
                    small.rejected(rejection(i % 2 == 0 ? "22P05" : "23514"));
                }
            }
        }).isInstanceOf(RejectionBreaker.Tripped.class).hasMessageContaining("of the last 20 records rejected");
    }

    @Test
    void onceTrippedItStaysTrippedForEveryWorker() throws Exception {
        for (int i = 0; i < 9; i++) {
            breaker.rejected(rejection("23502"));
        }
        assertThatThrownBy(() -> breaker.rejected(rejection("23502"))).isInstanceOf(RejectionBreaker.Tripped.class);
        breaker.written(1_000);

        assertThatThrownBy(breaker::check).isInstanceOf(RejectionBreaker.Tripped.class);
        assertThatThrownBy(() -> breaker.rejected(rejection("22P05"))).isInstanceOf(RejectionBreaker.Tripped.class);
    }

    @Test
    void offNeverTrips() {
        RejectionBreaker off = new RejectionBreaker(0, 0.5, 1_000);

        assertThatCode(() -> {
            for (int i = 0; i < 10_000; i++) {
                off.rejected(rejection("23502"));
            }
            off.check();
        }).doesNotThrowAnyException();
    }

    @Test
    void aRegistrySchemaThatDoesNotMapOntoItsTableTripsAtOnceUnlessTheBreakerIsOff() throws Exception {
        SinkRecord record = new SinkRecord("orders", 0, 7, null, new byte[]{0, 0, 0, 0, 9}, List.of(), 0);
        InvalidRecordException unmapped = new InvalidRecordException(record, Defect.SCHEMA_DOES_NOT_MAP,
                "route orders: the value schema subject orders-value version 3 (schema id 9) does not map onto table"
                        + " orders: field /customer/id is not in it");

        RejectionBreaker.OFF.schemaDoesNotMap(unmapped);
        assertThatThrownBy(() -> breaker.schemaDoesNotMap(unmapped)).isInstanceOf(RejectionBreaker.Tripped.class)
                .hasMessageStartingWith("route orders: the value schema subject orders-value version 3 (schema id 9)")
                .hasMessageContaining("SINK_REJECTIONS_MIN=0 dead-letters such records instead");
        assertThatThrownBy(breaker::check).as("tripped for every worker").isInstanceOf(RejectionBreaker.Tripped.class);
    }

    private static InvalidRecordException rejection(String sqlState) {
        SinkRecord record = new SinkRecord("orders", 0, 0, null, "{}".getBytes(UTF_8), List.of(), 0);
        return new InvalidRecordException(record, Defect.REJECTED_BY_DATABASE, new SQLException("rejected", sqlState));
    }
}
