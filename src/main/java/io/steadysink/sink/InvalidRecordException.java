package io.steadysink.sink;

/** A record that cannot become a row, whatever the state of the database. */
public class InvalidRecordException extends RuntimeException {

    private final SinkRecord record;

    public InvalidRecordException(SinkRecord record, String reason) {
        super(reason + " (" + record.coordinates() + ")");
        this.record = record;
    }

    public SinkRecord record() {
        return record;
    }
}
