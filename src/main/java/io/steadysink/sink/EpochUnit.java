package io.steadysink.sink;

/**
 * How a JSON number in a timestamp column counts time since 1970-01-01T00:00:00Z, declared per
 * column by the route. {@link #NONE} takes timestamps only as ISO-8601 strings, so a number that was
 * never meant as a time is refused instead of becoming a date in 1970.
 */
public enum EpochUnit {
    /** Numbers are refused; only ISO-8601 strings. */
    NONE("", 0),
    /** Seconds, with a fraction down to the microsecond. */
    SECONDS("seconds", 6),
    /** Whole milliseconds. */
    MILLIS("milliseconds", 3),
    /** Whole microseconds. */
    MICROS("microseconds", 0);

    private final String noun;
    private final int toMicros;

    EpochUnit(String noun, int toMicros) {
        this.noun = noun;
        this.toMicros = toMicros;
    }

    /** The unit as a reason names it: "milliseconds". */
    String noun() {
        return noun;
    }

    /** The power of ten that turns this unit into microseconds. */
    int microsExponent() {
        return toMicros;
    }
}
