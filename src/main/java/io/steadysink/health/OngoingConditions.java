package io.steadysink.health;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.steadysink.consumer.Ticker;

/**
 * Conditions that last until something outside changes (a source topic missing, the broker not
 * answering): since when each has held, and when it is due to be said again. A condition is due
 * when it begins and then once per {@code repeat} while it holds, so a log says what is wrong at
 * once and keeps saying it at a rhythm nobody drowns in. Plain Java on injected clocks: "since" is
 * wall-clock time (what a reader compares with other logs), the rhythm and how long a condition
 * lasted are monotonic.
 *
 * @param <K> what tells one condition from another, e.g. a topic name
 */
final class OngoingConditions<K> {

    /**
     * One condition as of an update.
     *
     * @param since wall-clock time it was first seen, to the second
     * @param lasted how long it has held (or held, once ended)
     */
    record Condition<K>(K key, Instant since, Duration lasted) {
    }

    /**
     * What an update changed: the conditions due to be reported (begun, or held for another
     * {@code repeat} since their last report) and the ones that ended.
     */
    record Update<K>(List<Condition<K>> due, List<Condition<K>> ended) {
    }

    private record Held(Instant since, long beganNanos, long reportedNanos) {
    }

    private final long repeatNanos;
    private final Ticker ticker;
    private final InstantSource wallClock;
    private final Map<K, Held> holding = new LinkedHashMap<>();

    /** @param repeat how long a condition that holds goes unmentioned, at most */
    OngoingConditions(Duration repeat, Ticker ticker, InstantSource wallClock) {
        this.repeatNanos = repeat.toNanos();
        this.ticker = ticker;
        this.wallClock = wallClock;
    }

    /** Sets the conditions that hold now (every other one ended) and tells which to report. */
    synchronized Update<K> holding(Collection<K> now) {
        long nanos = ticker.nanos();
        List<Condition<K>> ended = new ArrayList<>();
        for (Iterator<Map.Entry<K, Held>> held = holding.entrySet().iterator(); held.hasNext();) {
            Map.Entry<K, Held> condition = held.next();
            if (!now.contains(condition.getKey())) {
                ended.add(condition(condition.getKey(), condition.getValue(), nanos));
                held.remove();
            }
        }
        List<Condition<K>> due = new ArrayList<>();
        for (K key : now) {
            Held held = holding.get(key);
            if (held == null) {
                held = new Held(wallClock.instant().truncatedTo(ChronoUnit.SECONDS), nanos, nanos);
                holding.put(key, held);
                due.add(condition(key, held, nanos));
            } else if (nanos - held.reportedNanos() >= repeatNanos) {
                holding.put(key, new Held(held.since(), held.beganNanos(), nanos));
                due.add(condition(key, held, nanos));
            }
        }
        return new Update<>(due, ended);
    }

    /** The conditions that hold, in the order they were first seen. */
    synchronized List<Condition<K>> current() {
        long nanos = ticker.nanos();
        List<Condition<K>> current = new ArrayList<>();
        holding.forEach((key, held) -> current.add(condition(key, held, nanos)));
        return current;
    }

    private static <K> Condition<K> condition(K key, Held held, long nanos) {
        return new Condition<>(key, held.since(), Duration.ofNanos(nanos - held.beganNanos()));
    }

    /** {@code 45 s}, {@code 12 min 5 s}, {@code 3 h 2 min}: how long a condition lasted, for a log line. */
    static String describe(Duration lasted) {
        long seconds = lasted.toSeconds();
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min " + seconds % 60 + " s";
        }
        return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
    }
}
