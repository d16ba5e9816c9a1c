package io.steadysink.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample from a Prometheus text exposition. */
public final class Scrape {

    private Scrape() {
    }

    /** The value of the sample {@code series} (name plus exact label set), or -1 when absent. */
    public static long value(String metrics, String series) {
        return (long) decimal(metrics, series);
    }

    /** Like {@link #value}, without rounding. */
    public static double decimal(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : -1;
    }

    /** The sum of every sample of {@code name}, whatever its labels (0 when there is none). */
    public static long sum(String metrics, String name) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
        double sum = 0;
        while (matcher.find()) {
            sum += Double.parseDouble(matcher.group(1));
        }
        return (long) sum;
    }
}
