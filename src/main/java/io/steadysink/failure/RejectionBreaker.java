package io.steadysink.failure;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import org.postgresql.util.ServerErrorMessage;

import io.steadysink.sink.InvalidRecordException;

/**
 * Tells a schema problem from bad records, in the spirit of Kafka Connect's
 * {@code errors.tolerance}: when PostgreSQL rejects records as data in a pattern that bad records
 * do not make, the stream is stopped as fatal instead of being dead-lettered record by record. Two
 * rules, both needing at least {@code SINK_REJECTIONS_MIN} rejections:
 * <ul>
 * <li>a run: that many records in a row rejected with the same SQLSTATE, table, constraint and
 * column, no record written between them (a NOT NULL column or CHECK added, a type narrowed: every
 * record fails alike, and the run trips early in the first batch's bisection);</li>
 * <li>a rate: more than {@code SINK_REJECTIONS_MAX_RATIO} of the last {@code SINK_REJECTIONS_WINDOW}
 * records PostgreSQL judged (written or rejected) rejected (a constraint most records break).</li>
 * </ul>
 * Only PostgreSQL's rejections count: records the checks refuse before the write are bad by
 * definition. Shared by every worker; judgements arrive in the order PostgreSQL made them. Once
 * tripped it stays tripped: every later rejection throws, so no batch still in flight elsewhere is
 * dead-lettered either.
 */
public final class RejectionBreaker {

    /** Never trips: every rejection is dead-lettered. */
    public static final RejectionBreaker OFF = new RejectionBreaker(0, 1.0, 1);

    private final int min;
    private final double maxRatio;
    /** The last judged records, oldest overwritten first: null for a written record. */
    private final Rejection[] window;
    private int next;
    private int filled;
    private int rejectedInWindow;
    private Cause runCause;
    private int run;
    private volatile String tripped;

    /**
     * @param min rejections it takes to trip (a run of them, or that many in the window); 0 turns the
     *        breaker off
     * @param maxRatio largest share of the window that may be rejected
     * @param window records the rate is taken over
     */
    public RejectionBreaker(int min, double maxRatio, int window) {
        this.min = min;
        this.maxRatio = maxRatio;
        this.window = new Rejection[Math.max(1, window)];
    }

    /** Thrown when the breaker trips: the consumer must stop; nothing of the batch may be committed. */
    public static final class Tripped extends Exception {

        Tripped(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code records} were written: a run of rejections ends, the window moves on. */
    public synchronized void written(int records) {
        run = 0;
        runCause = null;
        if (min == 0) {
            return;
        }
        for (int i = 0; i < Math.min(records, window.length); i++) {
            push(null);
        }
    }

    /**
     * PostgreSQL rejected one record as data.
     *
     * @throws Tripped when this rejection trips the breaker, or it tripped before
     */
    public synchronized void rejected(InvalidRecordException rejection) throws Tripped {
        check();
        if (min == 0) {
            return;
        }
        Rejection judged = Rejection.of(rejection.getCause());
        push(judged);
        run = judged.cause().equals(runCause) ? run + 1 : 1;
        runCause = judged.cause();
        if (run >= min) {
            trip(judged, run + " records in a row rejected with SQLSTATE " + judged.cause().state()
                    + judged.cause().where() + ", none written between them", "SINK_REJECTIONS_MIN (now " + min + ")");
        } else if (rejectedInWindow >= min && rejectedInWindow > maxRatio * filled) {
            Rejection common = mostCommon();
            trip(common, rejectedInWindow + " of the last " + filled + " records rejected, more than "
                    + "SINK_REJECTIONS_MAX_RATIO=" + maxRatio + " of them, most with SQLSTATE " + common.cause().state()
                    + common.cause().where(), "SINK_REJECTIONS_MAX_RATIO (now " + maxRatio + ")");
        }
    }

    /**
     * A record's registered schema does not map onto its route's table (a column's field gone, a type
     * narrowed): every record of that schema would be refused alike, so the consumer stops with the
     * one line that names the route, subject, version, field and column, unless the breaker is off
     * ({@code SINK_REJECTIONS_MIN=0}: the record is dead-lettered).
     *
     * @throws Tripped unless the breaker is off
     */
    public synchronized void schemaDoesNotMap(InvalidRecordException rejection) throws Tripped {
        check();
        if (min == 0) {
            return;
        }
        tripped = rejection.getCause().getMessage() + ". Nothing of the batch was dead-lettered or committed: change"
                + " the table or the route (or the producer's schema), then restart; SINK_REJECTIONS_MIN=0"
                + " dead-letters such records instead";
        throw new Tripped(tripped);
    }

    /** @throws Tripped when the breaker has tripped (in any worker) */
    public void check() throws Tripped {
        String reason = tripped;
        if (reason != null) {
            throw new Tripped(reason);
        }
    }

    private void push(Rejection judged) {
        if (filled == window.length) {
            if (window[next] != null) {
                rejectedInWindow--;
            }
        } else {
            filled++;
        }
        window[next] = judged;
        if (judged != null) {
            rejectedInWindow++;
        }
        next = (next + 1) % window.length;
    }

    private Rejection mostCommon() {
        Map<Cause, Integer> counts = new HashMap<>();
        Rejection common = null;
        int best = 0;
        for (int i = 0; i < filled; i++) {
            Rejection judged = window[i];
            if (judged != null) {
                int count = counts.merge(judged.cause(), 1, Integer::sum);
                if (count > best) {
                    best = count;
                    common = judged;
                }
            }
        }
        return common;
    }

    private void trip(Rejection example, String pattern, String setting) throws Tripped {
        tripped = "PostgreSQL rejects the records as a whole, not a few bad ones: " + pattern + example.message()
                + ". This looks like a change to the table: " + fix(example.cause()) + ", then restart. Nothing of "
                + "the failing batch was dead-lettered or committed; if these records really are bad, raise "
                + setting + " (SINK_REJECTIONS_MIN=0 dead-letters every rejection)";
        throw new Tripped(tripped);
    }

    private static String fix(Cause cause) {
        String table = cause.table() == null ? "the sink table" : "table " + cause.table();
        return switch (cause.state()) {
            case "23502" -> "column " + cause.column() + " of " + table + " is NOT NULL but steady-sink does not "
                    + "fill it (added without a default?): give it a DEFAULT or drop its NOT NULL";
            case "23514" -> "CHECK constraint " + cause.constraint() + " on " + table + " refuses the records: "
                    + "drop or relax it, or fix the producer";
            case "23503" -> "foreign key " + cause.constraint() + " on " + table + " refuses the records: drop it "
                    + "or load the rows it refers to";
            case "23505", "23P01" -> "constraint " + cause.constraint() + " on " + table + " refuses the records: "
                    + "drop it (steady-sink keys rows by its own primary key)";
            case "22001" -> "a column of " + table + " is narrower than the values (a type narrowed, e.g. to "
                    + "varchar(n)?): widen it back";
            case "22003" -> "a numeric column of " + table + " is narrower than the values (a type narrowed?): "
                    + "widen it back";
            default -> "a constraint, trigger or column type of " + table + " refuses the records: fix the table "
                    + "or the producer";
        };
    }

    /** What PostgreSQL said about one rejected record, without the detail lines that quote row data. */
    private record Rejection(Cause cause, String message) {

        static Rejection of(Throwable failure) {
            SQLException sql = SqlErrors.firstIn(failure);
            if (sql == null) {
                return new Rejection(new Cause("unknown", null, null, null), "");
            }
            ServerErrorMessage server = SqlErrors.server(sql);
            if (server == null) {
                return new Rejection(new Cause(String.valueOf(sql.getSQLState()), null, null, null), "");
            }
            return new Rejection(new Cause(String.valueOf(sql.getSQLState()), server.getTable(),
                    server.getConstraint(), server.getColumn()), ": " + server.getMessage());
        }
    }

    /** What makes two rejections alike: where PostgreSQL found the problem, not the values it found. */
    private record Cause(String state, String table, String constraint, String column) {

        String where() {
            StringBuilder where = new StringBuilder();
            if (table != null) {
                where.append(", table ").append(table);
            }
            if (constraint != null) {
                where.append(", constraint ").append(constraint);
            }
            if (column != null) {
                where.append(", column ").append(column);
            }
            return where.length() == 0 ? "" : " (" + where.substring(2) + ")";
        }

    }
}
