package io.steadysink.format;

/**
 * A record that cannot be read through the registry, whatever the state of the registry: poison.
 * The message says what was found, never the record's data.
 */
public final class RecordUnreadable extends Exception {

    /** Why. */
    public enum Reason {
        /** Not in the wire format: no magic byte 0, or shorter than the 5-byte header. */
        NOT_FRAMED,
        /** The registry answered that it has no schema of the record's id. */
        UNKNOWN_SCHEMA,
        /** The record's schema is of another format than the route reads (a Protobuf schema on an Avro route). */
        OTHER_FORMAT,
        /** The registry's schema cannot be parsed (or its references cannot be resolved). */
        SCHEMA_UNREADABLE,
        /** The bytes do not match their schema. */
        DOES_NOT_MATCH
    }

    private final Reason reason;

    public RecordUnreadable(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public RecordUnreadable(Reason reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
