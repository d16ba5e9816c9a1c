package io.steadysink.sink;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ISO-8601 durations with designators ({@code P1Y2M3DT4H5M6.5S}, {@code P2W}, each field with its own
 * sign as Debezium's {@code interval.handling.mode=string} writes them: {@code P0Y-10M3DT-4H-5M-6.789S})
 * into interval columns. PostgreSQL keeps an interval as months, days and microseconds, each with its
 * sign; years and months go to the months, weeks and days to the days, the rest to the microseconds.
 * Fractions are taken in the seconds only (PostgreSQL would spread a fraction of a month over days by
 * its own 30-day rule), and no further than the column's fraction digits. Written back as the same
 * three fields, the microseconds as hours, minutes and seconds ({@code P<months>M<days>DT<h>H<m>M<s>S}),
 * which PostgreSQL reads exactly whatever the session's IntervalStyle.
 */
final class IntervalText {

    private static final Pattern DURATION = Pattern.compile("P(?!$)(?:([+-]?\\d{1,10})Y)?(?:([+-]?\\d{1,10})M)?"
            + "(?:([+-]?\\d{1,10})W)?(?:([+-]?\\d{1,10})D)?(?:T(?=[+-]?\\d)(?:([+-]?\\d{1,19})H)?"
            + "(?:([+-]?\\d{1,19})M)?(?:([+-]?\\d{1,19}(?:\\.\\d{1,9})?)S)?)?");
    private static final BigDecimal MICROS_PER_SECOND = BigDecimal.valueOf(1_000_000);
    private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private IntervalText() {
    }

    static String interval(String text, int digits, String type) throws Unconvertible {
        Matcher parts = DURATION.matcher(text);
        if (!parts.matches() || text.endsWith("T")) {
            throw new Unconvertible("a JSON string that is not an ISO-8601 duration (PnYnMnWnDTnHnMn.nS)");
        }
        BigInteger months = whole(parts.group(1)).multiply(BigInteger.valueOf(12)).add(whole(parts.group(2)));
        BigInteger days = whole(parts.group(3)).multiply(BigInteger.valueOf(7)).add(whole(parts.group(4)));
        BigDecimal seconds = new BigDecimal(whole(parts.group(5)).multiply(BigInteger.valueOf(3_600)))
                .add(new BigDecimal(whole(parts.group(6)).multiply(BigInteger.valueOf(60))))
                .add(parts.group(7) == null ? BigDecimal.ZERO : new BigDecimal(parts.group(7)));
        if (seconds.stripTrailingZeros().scale() > digits) {
            throw new Unconvertible("a JSON string more precise than " + type + " keeps");
        }
        BigInteger micros = seconds.multiply(MICROS_PER_SECOND).toBigIntegerExact();
        if (months.compareTo(INT_MIN) < 0 || months.compareTo(INT_MAX) > 0 || days.compareTo(INT_MIN) < 0
                || days.compareTo(INT_MAX) > 0 || micros.compareTo(LONG_MIN) < 0 || micros.compareTo(LONG_MAX) > 0) {
            throw new Unconvertible("a JSON string outside the range of " + type);
        }
        long time = micros.longValue();
        long hours = time / 3_600_000_000L;
        long minutes = time % 3_600_000_000L / 60_000_000L;
        long rest = time % 60_000_000L;
        // the seconds stay below a minute: PostgreSQL reads a field's fraction as a double
        return "P" + months + "M" + days + "DT" + hours + "H" + minutes + "M"
                + BigDecimal.valueOf(rest, 6).stripTrailingZeros().toPlainString() + "S";
    }

    /**
     * Debezium's {@code MicroDuration} (microseconds, a day counted as 24 hours and a month as
     * 30.4375 days) as an ISO-8601 duration: whole days as days, the rest as seconds, both with the
     * sign of the whole, so an interval of days and time comes back as it was at the source.
     */
    static String ofMicros(long micros) {
        long perDay = 86_400_000_000L;
        return "P" + micros / perDay + "DT"
                + BigDecimal.valueOf(micros % perDay, 6).stripTrailingZeros().toPlainString()
                + "S";
    }

    private static BigInteger whole(String digits) {
        return digits == null ? BigInteger.ZERO : new BigInteger(digits);
    }
}
