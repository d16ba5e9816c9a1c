package io.steadysink.sink;

import java.util.Locale;

/**
 * A record that cannot become a row, whatever the state of the database: a poison record. Its
 * message is the rule it broke (stable, searchable); its cause says exactly what was found.
 */
public class InvalidRecordException extends RuntimeException {

    /** The rule a record broke. */
    public enum Defect {
        KEY_NOT_UTF8("record key is not valid UTF-8"), MISSING_KEY(
                "record has no key; upsert mode needs one"), VALUE_TOO_LARGE(
                        "record value is larger than SINK_MAX_RECORD_BYTES"), VALUE_NOT_UTF8(
                                "record value is not valid UTF-8"), VALUE_NOT_JSON(
                                        "record value is not valid JSON"), VALUE_TOO_COMPLEX(
                                                "record value exceeds the JSON limits (nesting depth, number or string length)"), VALUE_NOT_OBJECT(
                                                        "record value is not a JSON object"), REJECTED_BY_DATABASE(
                                                                "PostgreSQL rejected the record as data");

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

    public InvalidRecordException(SinkRecord record, Defect defect, Throwable cause) {
        super(defect.rule() + " (" + record.coordinates() + ")", cause);
        this.record = record;
        this.defect = defect;
    }

    public InvalidRecordException(SinkRecord record, Defect defect, String finding) {
        this(record, defect, new Finding(finding));
    }

    public SinkRecord record() {
        return record;
    }

    public Defect defect() {
        return defect;
    }
}
