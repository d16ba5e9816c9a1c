package io.steadysink.testing;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

import io.steadysink.consumer.Ticker;

/**
 * A clock that moves only when told: monotonic nanoseconds and wall-clock time advance together
 * ({@link #advance}); the wall clock can also be stepped alone ({@link #stepWallClock}), as NTP does.
 * With {@link #steppingOnEveryRead} each monotonic read moves time on, for code that waits until a
 * deadline passes. Thread-safe.
 */
public final class FakeClock implements Ticker, InstantSource {

    /** Far from zero, as {@link System#nanoTime()} usually is. */
    private static final long ORIGIN_NANOS = Duration.ofDays(3).toNanos();

    private final AtomicLong nanos = new AtomicLong(ORIGIN_NANOS);
    private final AtomicLong wallOffsetNanos = new AtomicLong();
    private final Instant origin;
    private volatile long stepNanos;

    public FakeClock() {
        this(Instant.parse("2025-03-01T12:00:00Z"));
    }

    public FakeClock(Instant now) {
        this.origin = now;
    }

    @Override
    public long nanos() {
        return nanos.getAndAdd(stepNanos);
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(nanos.get() - ORIGIN_NANOS + wallOffsetNanos.get());
    }

    /** Lets {@code duration} pass on both clocks. */
    public FakeClock advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
        return this;
    }

    /** Sets the wall clock {@code by} forward (or back when negative) without any time passing. */
    public FakeClock stepWallClock(Duration by) {
        wallOffsetNanos.addAndGet(by.toNanos());
        return this;
    }

    /** From now on, every monotonic read returns the time and then lets {@code step} pass. */
    public FakeClock steppingOnEveryRead(Duration step) {
        stepNanos = step.toNanos();
        return this;
    }
}
