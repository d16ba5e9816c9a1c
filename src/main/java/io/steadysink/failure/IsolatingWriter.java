package io.steadysink.failure;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.steadysink.format.RegistryUnavailable;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordCheck;
import io.steadysink.sink.SinkRecord;

/**
 * Writes a batch so that poison records never hold back the others: invalid records are taken out
 * before the write, and when PostgreSQL still rejects the batch as data (SQLSTATE 22/23/54) the
 * batch is bisected (each half in its own transaction) until the rejected records stand alone.
 * The same bisection shrinks a write that keeps outrunning {@code statement_timeout}, down to single
 * records, which are retried for as long as it takes. Other transient errors are retried in place at
 * every step; fatal errors are thrown. PostgreSQL's judgements feed the {@link RejectionBreaker},
 * which stops the batch (throws) when the rejections look like a schema problem.
 */
public final class IsolatingWriter {

    private static final Logger LOG = Logger.getLogger(IsolatingWriter.class);

    private final RecordCheck validator;
    private final PostgresSink sink;
    private final DatabaseRetry retry;
    private final RejectionBreaker breaker;

    /** Without a breaker: every rejection is reported. */
    public IsolatingWriter(RecordCheck validator, PostgresSink sink, DatabaseRetry retry) {
        this(validator, sink, retry, RejectionBreaker.OFF);
    }

    public IsolatingWriter(RecordCheck validator, PostgresSink sink, DatabaseRetry retry,
            RejectionBreaker breaker) {
        this.validator = validator;
        this.sink = sink;
        this.retry = retry;
        this.breaker = breaker;
    }

    /**
     * What became of a batch: the records now in the table, and the poison ones (those the checks
     * found, then those PostgreSQL rejected).
     */
    public record Outcome(List<SinkRecord> written, List<InvalidRecordException> rejected, int rowsChanged) {

        /** Written records that changed no row: replays (append), stale or superseded writes (upsert). */
        public int unchanged() {
            return Math.max(0, written.size() - rowsChanged);
        }
    }

    /**
     * @throws RejectionBreaker.Tripped when PostgreSQL's rejections look like a schema problem (here
     *         or in another worker's batch): nothing of the batch may be dead-lettered or committed
     * @throws Exception a fatal failure (nothing of the batch may be committed), or an
     *         {@link InterruptedException} when shutdown abandons the batch
     */
    public Outcome write(List<SinkRecord> batch) throws Exception {
        RecordCheck.Checked checked;
        try {
            checked = validator.check(batch);
        } catch (RegistryUnavailable e) {
            // a schema not yet read, and the registry does not answer: retried in place while it is away
            checked = retry.call("reading " + describe(batch), false, () -> validator.check(batch));
        }
        for (InvalidRecordException invalid : checked.invalid()) {
            if (invalid.defect() == Defect.SCHEMA_DOES_NOT_MAP) {
                breaker.schemaDoesNotMap(invalid);
            }
        }
        List<SinkRecord> written = new ArrayList<>(checked.valid().size());
        List<InvalidRecordException> rejected = new ArrayList<>(checked.invalid());
        int rows = writeIsolating(checked.valid(), written, rejected, true);
        if (rejected.size() > checked.invalid().size()) {
            breaker.check();
        }
        return new Outcome(written, rejected, rows);
    }

    /** @return rows changed */
    private int writeIsolating(List<SinkRecord> records, List<SinkRecord> written,
            List<InvalidRecordException> rejected, boolean whole) throws Exception {
        if (records.isEmpty()) {
            return 0;
        }
        try {
            int rows = retry.call(describe(records), records.size() > 1, () -> sink.write(records));
            written.addAll(records);
            breaker.written(records.size());
            return rows;
        } catch (DatabaseRetry.KeepsTimingOut e) {
            LOG.warnf("A write of %s keeps exceeding SINK_STATEMENT_TIMEOUT_MS; writing it in halves",
                    describe(records));
            return halves(records, written, rejected);
        } catch (InvalidRecordException e) {
            return isolate(records, e, written, rejected, whole);
        } catch (SQLException e) {
            if (!FailureClass.isDataError(e)) {
                throw e;
            }
            return isolate(records, e, written, rejected, whole);
        }
    }

    private int isolate(List<SinkRecord> records, Exception failure, List<SinkRecord> written,
            List<InvalidRecordException> rejected, boolean whole) throws Exception {
        if (records.size() == 1) {
            if (failure instanceof InvalidRecordException invalid) {
                rejected.add(invalid);
            } else {
                InvalidRecordException rejection = new InvalidRecordException(records.get(0),
                        Defect.REJECTED_BY_DATABASE, failure);
                breaker.rejected(rejection);
                rejected.add(rejection);
            }
            return 0;
        }
        if (whole) {
            LOG.warnf("PostgreSQL rejected a batch of %d records from %s as data (%s); isolating the rejected records",
                    records.size(), records.get(0).coordinates(), SqlErrors.summary(failure));
        }
        return halves(records, written, rejected);
    }

    /** Writes each half in its own transaction, the first half first. */
    private int halves(List<SinkRecord> records, List<SinkRecord> written, List<InvalidRecordException> rejected)
            throws Exception {
        int half = records.size() / 2;
        return writeIsolating(records.subList(0, half), written, rejected, false)
                + writeIsolating(records.subList(half, records.size()), written, rejected, false);
    }

    /** Which records a write holds, for logs and the consumer state: never their data. */
    private static String describe(List<SinkRecord> records) {
        return records.size() == 1
                ? "1 record (" + records.get(0).coordinates() + ")"
                : records.size() + " records from " + records.get(0).coordinates();
    }
}
