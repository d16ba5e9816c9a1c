package io.steadysink.sink;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * ISO-8601 strings and epoch numbers into date, time and timestamp columns. Written back as
 * {@code yyyy-MM-dd HH:mm:ss[.ffffff][+00]}: a four-digit year first is read as year-month-day
 * whatever the session's DateStyle, and an explicit {@code +00} does not depend on its TimeZone. Years
 * are kept to 1..9999, where ISO-8601 and PostgreSQL agree on how a year is written.
 */
final class TimeText {

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern TIME = Pattern.compile("\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?");
    /** 24:00, 24:00:00, 24:00:00.000: the end of the day, which time columns hold. */
    private static final Pattern END_OF_DAY = Pattern.compile("24:00(:00(\\.0{1,9})?)?");
    private static final Pattern ZONED_TIME = Pattern
            .compile("(\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?)(Z|[+-]\\d{2}(?::\\d{2}(?::\\d{2})?)?)");
    private static final String NOT_A_ZONED_TIME = "a JSON string that is not an ISO-8601 time with a UTC offset"
            + " (HH:mm[:ss[.ffffff]]Z or ±HH:mm)";
    private static final String NOT_A_DATE = "a JSON string that is not an ISO-8601 date (yyyy-MM-dd)";

    /** 0001-01-01T00:00:00Z and the last microsecond of 9999, in microseconds since 1970. */
    private static final long FIRST_MICROS = -62_135_596_800_000_000L;
    private static final long LAST_MICROS = 253_402_300_799_999_999L;
    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
            100_000_000, 1_000_000_000};

    private TimeText() {
    }

    static String date(String text) throws Unconvertible {
        if (!DATE.matcher(text).matches()) {
            throw new Unconvertible(NOT_A_DATE);
        }
        LocalDate date;
        try {
            date = LocalDate.parse(text); // ISO_LOCAL_DATE resolves strictly: no 30 February
        } catch (DateTimeParseException e) {
            throw new Unconvertible(NOT_A_DATE);
        }
        if (date.getYear() < 1) {
            throw new Unconvertible("a JSON string outside the years 1 to 9999");
        }
        return text;
    }

    static String time(String text, int digits, String type) throws Unconvertible {
        if (END_OF_DAY.matcher(text).matches()) {
            return "24:00:00"; // PostgreSQL's time and timetz hold the end of the day; LocalTime does not
        }
        LocalTime time = null;
        if (TIME.matcher(text).matches()) {
            try {
                time = LocalTime.parse(text);
            } catch (DateTimeParseException e) {
                // 24:00:01, 12:60: refused below
            }
        }
        if (time == null) {
            throw new Unconvertible("a JSON string that is not an ISO-8601 time (HH:mm[:ss[.ffffff]])");
        }
        checkPrecision(time.getNano(), digits, "string", type);
        StringBuilder out = new StringBuilder(15);
        clock(out, time.getHour(), time.getMinute(), time.getSecond(), time.getNano());
        return out.toString();
    }

    /**
     * A {@code time with time zone} column: an ISO-8601 time and its offset ({@code Z}, {@code ±HH},
     * {@code ±HH:mm}, {@code ±HH:mm:ss}), written as given; a time without offset is refused as
     * ambiguous, as is an offset beyond PostgreSQL's ±15:59.
     */
    static String timeWithOffset(String text, int digits, String type) throws Unconvertible {
        java.util.regex.Matcher parts = ZONED_TIME.matcher(text);
        if (!parts.matches()) {
            if (END_OF_DAY.matcher(text).matches() || TIME.matcher(text).matches()) {
                throw new Unconvertible("a JSON string without a UTC offset, which " + type + " needs (ambiguous)");
            }
            throw new Unconvertible(NOT_A_ZONED_TIME);
        }
        String clock;
        try {
            clock = time(parts.group(1), digits, type);
        } catch (Unconvertible e) {
            throw e.getMessage().startsWith("a JSON string that is not") ? new Unconvertible(NOT_A_ZONED_TIME) : e;
        }
        String offset = parts.group(2);
        if (offset.equals("Z")) {
            return clock + "+00";
        }
        ZoneOffset zone;
        try {
            zone = ZoneOffset.of(offset.length() == 3 ? offset + ":00" : offset);
        } catch (DateTimeException e) {
            throw new Unconvertible(NOT_A_ZONED_TIME);
        }
        if (Math.abs(zone.getTotalSeconds()) > 15 * 3600 + 59 * 60) {
            throw new Unconvertible("a JSON string with a UTC offset beyond ±15:59, which " + type + " cannot hold");
        }
        return clock + (zone.getTotalSeconds() == 0 ? "+00" : zone.getId());
    }

    /** A timestamp column, with ({@code zoned}) or without time zone, from a string or an epoch number. */
    static String timestamp(JsonNode value, EpochUnit unit, int digits, boolean zoned, String type)
            throws Unconvertible {
        LocalDateTime utc;
        if (value.isNumber()) {
            utc = epoch(value, unit, digits, type);
        } else if (zoned) {
            utc = withOffset(value.textValue(), digits, type);
        } else {
            utc = local(value.textValue(), digits, type);
        }
        StringBuilder out = new StringBuilder(32);
        out.append(pad(utc.getYear(), 4)).append('-').append(pad(utc.getMonthValue(), 2)).append('-')
                .append(pad(utc.getDayOfMonth(), 2)).append(' ');
        clock(out, utc.getHour(), utc.getMinute(), utc.getSecond(), utc.getNano());
        return zoned ? out.append("+00").toString() : out.toString();
    }

    private static LocalDateTime withOffset(String text, int digits, String type) throws Unconvertible {
        LocalDateTime utc = utcZ(text);
        if (utc == null) {
            OffsetDateTime instant;
            try {
                instant = OffsetDateTime.parse(text);
            } catch (DateTimeParseException e) {
                if (parses(text, false)) {
                    throw new Unconvertible(
                            "a JSON string without a UTC offset, which " + type + " needs (ambiguous)");
                }
                throw new Unconvertible("a JSON string that is not an ISO-8601 date-time with a UTC offset");
            }
            utc = instant.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        }
        checkPrecision(utc.getNano(), digits, "string", type);
        if (utc.getYear() < 1 || utc.getYear() > 9999) {
            throw new Unconvertible("a JSON string outside the years 1 to 9999 (in UTC)");
        }
        return utc;
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.f…]Z} (one to nine fraction digits), the spelling of Debezium's
     * {@code ZonedTimestamp}, read without a formatter: the date-time {@link OffsetDateTime#parse} reads
     * from it. {@code null} for every other spelling and for a date or time that does not exist, which
     * the formatter then reads or refuses.
     */
    static LocalDateTime utcZ(String text) {
        int length = text.length();
        if (length < 20 || length == 21 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-'
                || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':'
                || text.charAt(16) != ':' || length > 20 && text.charAt(19) != '.') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int fraction = length > 20 ? digits(text, 20, length - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) {
            return null;
        }
        int nanos = length > 20 ? fraction * POWERS_OF_TEN[9 - (length - 21)] : 0;
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The ASCII digits of {@code text} from {@code from} to {@code to} as a number; -1 when one is no digit. */
    private static int digits(String text, int from, int to) {
        int number = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            number = number * 10 + (c - '0');
        }
        return number;
    }

    private static LocalDateTime local(String text, int digits, String type) throws Unconvertible {
        LocalDateTime local;
        try {
            local = LocalDateTime.parse(text);
        } catch (DateTimeParseException e) {
            if (parses(text, true)) {
                throw new Unconvertible(
                        "a JSON string with a UTC offset, which " + type + " cannot keep (ambiguous)");
            }
            throw new Unconvertible("a JSON string that is not an ISO-8601 local date-time");
        }
        checkPrecision(local.getNano(), digits, "string", type);
        if (local.getYear() < 1 || local.getYear() > 9999) {
            throw new Unconvertible("a JSON string outside the years 1 to 9999");
        }
        return local;
    }

    private static boolean parses(String text, boolean withOffset) {
        try {
            if (withOffset) {
                OffsetDateTime.parse(text);
            } else {
                LocalDateTime.parse(text);
            }
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** An epoch number in {@code unit}, as a UTC date-time. */
    private static LocalDateTime epoch(JsonNode value, EpochUnit unit, int digits, String type) throws Unconvertible {
        BigDecimal number = NumberText.decimal(value);
        if (unit != EpochUnit.SECONDS && number.signum() != 0 && number.stripTrailingZeros().scale() > 0) {
            throw new Unconvertible("a JSON number with a fraction, but epoch " + unit.noun() + " are whole numbers");
        }
        if (number.signum() != 0 && NumberText.integerDigits(number) + unit.microsExponent() > 18) {
            throw outsideYears();
        }
        BigDecimal micros = number.movePointRight(unit.microsExponent()).stripTrailingZeros();
        if (micros.scale() > 0) {
            throw new Unconvertible("a JSON number more precise than " + type + " keeps");
        }
        long count = micros.longValueExact();
        if (count < FIRST_MICROS || count > LAST_MICROS) {
            throw outsideYears();
        }
        LocalDateTime utc = LocalDateTime.ofEpochSecond(Math.floorDiv(count, 1_000_000L),
                (int) Math.floorMod(count, 1_000_000L) * 1_000, ZoneOffset.UTC);
        checkPrecision(utc.getNano(), digits, "number", type);
        return utc;
    }

    private static Unconvertible outsideYears() {
        return new Unconvertible("a JSON number outside the years 1 to 9999 (in UTC)");
    }

    /** Refuses a time with non-zero digits beyond the column's fraction digits (PostgreSQL would round). */
    private static void checkPrecision(int nanos, int digits, String json, String type) throws Unconvertible {
        if (nanos % POWERS_OF_TEN[9 - digits] != 0) {
            throw new Unconvertible("a JSON " + json + " more precise than " + type + " keeps");
        }
    }

    private static void clock(StringBuilder out, int hour, int minute, int second, int nanos) {
        out.append(pad(hour, 2)).append(':').append(pad(minute, 2)).append(':').append(pad(second, 2));
        if (nanos != 0) {
            String fraction = pad(nanos / 1_000, 6);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            out.append('.').append(fraction, 0, end);
        }
    }

    private static String pad(int number, int width) {
        String digits = Integer.toString(number);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }
}
