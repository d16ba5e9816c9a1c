package io.steadysink.sink;

import java.time.Duration;
import java.util.List;

/**
 * Told, after a batch's transaction commits, how long its change events took from their source
 * commit to this commit: for each change-events route that wrote some, the wall clock at the commit
 * minus each event's source commit time ({@code source.ts_ms}, or {@code __source_ts_ms} of an
 * unwrapped row). Events without a source time give no sample; a rolled-back batch gives none.
 */
@FunctionalInterface
public interface ReplicationLag {

    /** Tells nothing. */
    ReplicationLag NONE = (route, table, lags) -> {
    };

    /** The lags of the events {@code route} wrote into {@code table} in a committed batch, one per event. */
    void committed(String route, String table, List<Duration> lags);

    /** The source commit times (epoch milliseconds) of the change events a route wrote into its table. */
    record SourceTimes(String route, String table, List<Long> sourceMillis) {
    }
}
