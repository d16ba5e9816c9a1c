package io.steadysink.consumer;

/**
 * Monotonic time in nanoseconds, with {@link System#nanoTime()} semantics: only differences mean
 * something, and they never jump when the wall clock is stepped (NTP, a VM resumed). Every duration
 * steady-sink measures (a batch's age and time without progress, how long a partition has been
 * behind or quiet) reads it, so a clock step can never make a progressing batch look stalled and
 * get the pod restarted. Production uses {@link #SYSTEM}; tests pass a fake one.
 */
@FunctionalInterface
public interface Ticker {

    /** The JVM's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds since an arbitrary origin fixed for the life of the JVM. */
    long nanos();
}
