package io.steadysink.sink;

import java.util.Locale;
import java.util.Optional;

/**
 * A record that cannot become a row, whatever the state of the database: a poison record. Its
 * message is the rule it broke (stable, searchable); its cause says exactly what was found.
 */
public class InvalidRecordException extends RuntimeException {

    /** The rule a record broke. */
    public enum Defect {
        /** Kafka bytes that are not UTF-8 cannot become {@code text}. */
        KEY_NOT_UTF8("record key is not valid UTF-8"),
        /** {@code text} cannot hold U+0000. */
        KEY_CONTAINS_NUL("record key contains the character U+0000, which PostgreSQL text cannot hold"),
        /** Upsert only: the key is the table's primary key; see {@link RecordValidator#MAX_UPSERT_KEY_BYTES}. */
        KEY_TOO_LONG("record key is longer than " + RecordValidator.MAX_UPSERT_KEY_BYTES
                + " bytes, more than the upsert table's primary key index can take"),
        /** Upsert only. */
        MISSING_KEY("record has no key; upsert mode needs one"),
        /** Append only (the mode that stores headers): a header name becomes a jsonb object key. */
        HEADER_NAME_CONTAINS_NUL(
                "record header name contains the character U+0000, which PostgreSQL jsonb cannot hold"),
        /** {@code SINK_MAX_RECORD_BYTES}. */
        VALUE_TOO_LARGE("record value is larger than SINK_MAX_RECORD_BYTES"),
        /** Kafka bytes that are not UTF-8 cannot become {@code jsonb}. */
        VALUE_NOT_UTF8("record value is not valid UTF-8"),
        /** Not one JSON text. */
        VALUE_NOT_JSON("record value is not valid JSON"),
        /** Jackson's stream limits; see {@link JsonbValue#MAX_NESTING_DEPTH}. */
        VALUE_TOO_COMPLEX("record value exceeds the JSON limits (nesting depth, number or string length)"),
        /** Valid JSON, but an array, string, number, boolean or null. */
        VALUE_NOT_OBJECT("record value is not a JSON object"),
        /** The escape of U+0000, which jsonb refuses (SQLSTATE 22P05). */
        VALUE_CONTAINS_NUL("record value has \\u0000 in a JSON string or name, which PostgreSQL jsonb cannot hold"),
        /** The escape of half a surrogate pair, which jsonb refuses (SQLSTATE 22P02). */
        VALUE_UNPAIRED_SURROGATE("record value has a \\u escape of half a surrogate pair without the other half,"
                + " which PostgreSQL jsonb rejects"),
        /** A number jsonb refuses (SQLSTATE 22003); see {@link JsonbValue#NUMERIC_MAX_POWER}. */
        VALUE_NUMBER_OUT_OF_RANGE("record value has a number beyond the range of PostgreSQL numeric (up to 131072"
                + " digits before the decimal point, 16383 after)"),
        /** A route reads it through the schema registry, and it is not framed as the registry's serializers frame. */
        VALUE_NOT_REGISTERED("record is not in the schema registry's wire format, or its schema cannot be used"),
        /** The schema registry has no schema of the record's schema id. */
        UNKNOWN_SCHEMA("record names a schema id the schema registry does not have"),
        /** The bytes do not read as the schema they name. */
        VALUE_DOES_NOT_MATCH_SCHEMA("record bytes do not match their registered schema"),
        /**
         * The record's registered schema cannot map onto the route's table (a column's field gone, a type
         * narrowed): the route stops unless the rejection breaker is off.
         */
        SCHEMA_DOES_NOT_MAP("record schema does not map onto the route's table"),
        /** A route's column cannot take what the record holds (type, range, missing value). */
        VALUE_DOES_NOT_FIT("record does not fit the route's table"),
        /** What only PostgreSQL can judge: SQLSTATE class 22, 23 or 54 for the record alone. */
        REJECTED_BY_DATABASE("PostgreSQL rejected the record as data");

        private final String rule;

        Defect(String rule) {
            this.rule = rule;
        }

        public String rule() {
            return rule;
        }

        /** Lower-case name, used as a metric tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What a check found, when no library exception describes it. */
    public static final class Finding extends Exception {

        public Finding(String detail) {
            super(detail, null, false, false);
        }
    }

    private final transient SinkRecord record;
    private final Defect defect;
    private String route;

    public InvalidRecordException(SinkRecord record, Defect defect, Throwable cause) {
        super(defect.rule() + " (" + record.coordinates() + ")", cause);
        this.record = record;
        this.defect = defect;
    }

    public InvalidRecordException(SinkRecord record, Defect defect, String finding) {
        this(record, defect, new Finding(finding));
    }

    /** Marks the poison record as found by the route named {@code name}; returns this. */
    public InvalidRecordException onRoute(String name) {
        this.route = name;
        return this;
    }

    /** The route that found the record poison, if a route did. */
    public Optional<String> route() {
        return Optional.ofNullable(route);
    }

    public SinkRecord record() {
        return record;
    }

    public Defect defect() {
        return defect;
    }
}
