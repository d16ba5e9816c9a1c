package io.steadysink.sink;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds poison records before a batch reaches PostgreSQL, so one bad record never fails the
 * transaction of the others; judged record by record, so whether a record is poison never depends
 * on what else its batch holds.
 */
public interface RecordCheck {

    /** A batch split into the records that may be written and the poison ones, each in batch order. */
    record Checked(List<SinkRecord> valid, List<InvalidRecordException> invalid) {
    }

    /** The first rule {@code record} breaks, or {@code null} when it may be written. */
    InvalidRecordException problem(SinkRecord record);

    default Checked check(List<SinkRecord> batch) {
        List<SinkRecord> valid = new ArrayList<>(batch.size());
        List<InvalidRecordException> invalid = new ArrayList<>(0);
        for (SinkRecord record : batch) {
            InvalidRecordException problem = problem(record);
            if (problem == null) {
                valid.add(record);
            } else {
                invalid.add(problem);
            }
        }
        return new Checked(valid, invalid);
    }
}
