package io.steadysink.startup;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Start-up's wait for its dependencies: a dependency that is down at start is treated like one
 * that goes down later. Each {@link #await} retries its attempt with backoff until it succeeds,
 * saying once per {@link #REPORT_INTERVAL} what it waits for and since when, until the one budget
 * of all start-up waits is spent ({@link ExitCode#DEPENDENCY_UNAVAILABLE}) or a stop is requested
 * ({@link ExitCode#STOPPED}, at once, even while an attempt hangs: attempts run on a thread of their
 * own that is abandoned). An attempt decides what its failures mean: {@link Unavailable} is waited
 * out, a {@link StartupFailure} ends start-up at once, anything else is unexpected and passes through.
 * <p>
 * Time is injected: the budget is measured on a monotonic clock, "since" read from the wall clock.
 */
public final class StartupWait {

    /** How often the wait says what it waits for. */
    public static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);

    /**
     * What is waited for, as the lines name it.
     *
     * @param name e.g. {@code PostgreSQL at db:5432}
     * @param variable the setting that points at it, e.g. {@code QUARKUS_DATASOURCE_JDBC_URL}
     * @param fix what to do when it never came, e.g. {@code start it or correct QUARKUS_DATASOURCE_JDBC_URL}
     */
    public record Dependency(String name, String variable, String fix) {
    }

    /** Thrown by an attempt: the dependency is not there (yet); the reason says what was seen. */
    public static final class Unavailable extends Exception {

        private static final long serialVersionUID = 1L;

        public Unavailable(String reason) {
            super(reason, null, false, false);
        }
    }

    /** Where the wait says what it waits for, and that the wait is over. */
    public interface Report {

        /** What is waited for, since when, what was seen, how long start-up still waits. */
        void waiting(String line);

        /** The dependency answered after start-up waited for it. */
        void answered(String line);
    }

    /** One try at reaching a dependency and doing what start-up needs of it. */
    @FunctionalInterface
    public interface Attempt {
        void run() throws Exception;
    }

    /** How the wait passes time and runs attempts; tests pass a fake one. */
    interface Pacing {

        /** Whether a stop was requested. */
        boolean stopRequested();

        /** Waits {@code duration}; returns whether a stop was requested before or meanwhile. */
        boolean pause(Duration duration);

        /**
         * Runs {@code attempt}, passing on what it throws; returns false, abandoning it, when a stop
         * is requested before it ends.
         */
        boolean run(Attempt attempt) throws Exception;
    }

    private final Duration budget;
    private final String budgetSetting;
    private final IntFunction<Duration> schedule;
    private final Duration reportInterval;
    private final InstantSource wallClock;
    private final LongSupplier nanos;
    private final Pacing pacing;
    private final Report report;
    private long startNanos;
    private boolean started;

    /**
     * @param budget how long all of start-up's waits together may take
     * @param budgetSetting the setting that gives it, for the lines, e.g. {@code SINK_STARTUP_WAIT_MS}
     * @param schedule the pause after the n-th failed attempt (n from 1)
     */
    public static StartupWait of(Duration budget, String budgetSetting, IntFunction<Duration> schedule,
            StopSignal stop, Report report) {
        return new StartupWait(budget, budgetSetting, schedule, REPORT_INTERVAL, InstantSource.system(),
                System::nanoTime, threads(stop), report);
    }

    StartupWait(Duration budget, String budgetSetting, IntFunction<Duration> schedule, Duration reportInterval,
            InstantSource wallClock, LongSupplier nanos, Pacing pacing, Report report) {
        this.budget = budget;
        this.budgetSetting = budgetSetting;
        this.schedule = schedule;
        this.reportInterval = reportInterval;
        this.wallClock = wallClock;
        this.nanos = nanos;
        this.pacing = pacing;
        this.report = report;
    }

    /**
     * Runs {@code attempt} until it succeeds, retrying while it throws {@link Unavailable}.
     *
     * @throws StartupFailure {@link ExitCode#STOPPED} on a stop request,
     *         {@link ExitCode#DEPENDENCY_UNAVAILABLE} once the budget is spent, or the attempt's own
     * @throws Exception anything else the attempt threw
     */
    public void await(Dependency dependency, Attempt attempt) throws Exception {
        if (!started) {
            started = true;
            startNanos = nanos.getAsLong();
        }
        Instant since = null;
        long sinceNanos = 0;
        long nextReport = 0;
        int failures = 0;
        while (true) {
            if (pacing.stopRequested()) {
                throw stopped(dependency, since);
            }
            Instant attempted = wallClock.instant().truncatedTo(ChronoUnit.SECONDS);
            long attemptedNanos = nanos.getAsLong();
            try {
                if (!pacing.run(attempt)) {
                    throw stopped(dependency, since);
                }
                if (since != null) {
                    String line = dependency.name() + " (" + dependency.variable() + ") answered after "
                            + seconds(nanos.getAsLong() - sinceNanos) + " s of waiting";
                    report.answered(Character.toUpperCase(line.charAt(0)) + line.substring(1));
                }
                return;
            } catch (Unavailable e) {
                failures++;
                long now = nanos.getAsLong();
                if (since == null) {
                    // unavailable since the first attempt that failed began: it may have waited for an answer
                    since = attempted;
                    sinceNanos = attemptedNanos;
                    nextReport = now;
                }
                long remaining = startNanos + budget.toNanos() - now;
                if (remaining <= 0) {
                    throw StartupFailure.cannotStart(ExitCode.DEPENDENCY_UNAVAILABLE,
                            dependency.name() + " (" + dependency.variable() + ") is still unavailable after "
                                    + seconds(now - sinceNanos) + " s of waiting, since " + since + " ("
                                    + e.getMessage()
                                    + "), and the start-up wait is over (" + budgetSetting + "=" + budget.toMillis()
                                    + "): "
                                    + dependency.fix() + ", or raise " + budgetSetting);
                }
                if (now - nextReport >= 0) {
                    report.waiting("Waiting for " + dependency.name() + " (" + dependency.variable() + ") since "
                            + since + ": " + e.getMessage() + "; start-up gives up in " + seconds(remaining)
                            + " s (" + budgetSetting + "=" + budget.toMillis() + ")");
                    nextReport = now + reportInterval.toNanos();
                }
                Duration pause = schedule.apply(failures);
                if (pacing.pause(pause.toNanos() < remaining ? pause : Duration.ofNanos(remaining))) {
                    throw stopped(dependency, since);
                }
            }
        }
    }

    private static StartupFailure stopped(Dependency dependency, Instant since) {
        return new StartupFailure(ExitCode.STOPPED, "Stopped on request during start-up"
                + (since == null
                        ? ", before reaching " + dependency.name()
                        : ", while waiting for " + dependency.name() + " since " + since));
    }

    private static long seconds(long nanos) {
        return (nanos + 500_000_000L) / 1_000_000_000L;
    }

    /** Attempts on a daemon thread each, abandoned when a stop is requested; pauses on the signal. */
    static Pacing threads(StopSignal stop) {
        return new Pacing() {
            @Override
            public boolean stopRequested() {
                return stop.requested();
            }

            @Override
            public boolean pause(Duration duration) {
                return stop.await(duration);
            }

            @Override
            public boolean run(Attempt attempt) throws Exception {
                FutureTask<Void> task = new FutureTask<>(() -> {
                    attempt.run();
                    return null;
                });
                Thread thread = new Thread(task, "steady-sink-startup-attempt");
                thread.setDaemon(true);
                thread.start();
                while (true) {
                    try {
                        task.get(50, TimeUnit.MILLISECONDS);
                        return true;
                    } catch (TimeoutException e) {
                        if (stop.requested()) {
                            return false; // the thread is left to end with the process
                        }
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof Exception cause) {
                            throw cause;
                        }
                        if (e.getCause() instanceof Error error) {
                            throw error;
                        }
                        throw e;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        };
    }
}
