package io.steadysink.sink;

import java.util.List;

/** Splits a batch into the records that may be written and the poison ones, before any write. */
@FunctionalInterface
public interface RecordCheck {

    RecordValidator.Checked check(List<SinkRecord> batch);
}
