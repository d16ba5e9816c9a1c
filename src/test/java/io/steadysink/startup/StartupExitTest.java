package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.ConfigValidationException;

/** How each way of ending becomes an exit status and the one line on standard error. */
class StartupExitTest {

    @Test
    void aStartupFailureAnywhereInTheCauseChainGivesItsCodeAndItsLine() {
        StartupFailure refused = new StartupFailure(ExitCode.ACCESS_REFUSED, "steady-sink cannot start: no");
        StartupExit.Outcome outcome = StartupExit.outcome(1,
                new RuntimeException("Failed to start quarkus", new IllegalStateException("wrapped", refused)));

        assertThat(outcome).isEqualTo(new StartupExit.Outcome(4, "steady-sink cannot start: no"));
    }

    @Test
    void aStartupFailureKeepsItsLineOnOneLineAndRecordsNoStackTrace() {
        StartupFailure failure = new StartupFailure(ExitCode.DEPENDENCY_UNAVAILABLE, "first\nsecond");

        assertThat(failure.line()).isEqualTo("first second");
        assertThat(failure.getStackTrace()).isEmpty();
    }

    @Test
    void aStopRequestedDuringStartupExitsZeroWhateverQuarkusReports() {
        StartupExit.Outcome outcome = StartupExit.outcome(1, new RuntimeException("Failed to start quarkus",
                new StartupFailure(ExitCode.STOPPED, "Stopped on request during start-up")));

        assertThat(outcome.status()).isZero();
    }

    @Test
    void aSettingQuarkusRefusedIsExitCodeTwoWithItsMessageOnOneLine() {
        StartupExit.Outcome outcome = StartupExit.outcome(1,
                new RuntimeException("Failed to start quarkus", new ConfigurationException("A is wrong:\n  fix A")));

        assertThat(outcome).isEqualTo(new StartupExit.Outcome(2, "steady-sink cannot start: A is wrong: fix A"));
    }

    @Test
    void everyProblemOfAFailedConfigValidationIsOnTheOneLine() {
        ConfigValidationException invalid = new ConfigValidationException(new ConfigValidationException.Problem[]{
                new ConfigValidationException.Problem("java.lang.IllegalArgumentException: SRCFG00039: The config "
                        + "property sink.lag-interval-ms with the config value \"abc\" threw an Exception"),
                new ConfigValidationException.Problem("SRCFG00014: The config property sink.x is required")});

        assertThat(StartupExit.outcome(1, invalid)).isEqualTo(new StartupExit.Outcome(2, "steady-sink cannot start: "
                + "SRCFG00039: The config property sink.lag-interval-ms with the config value \"abc\" threw an "
                + "Exception; SRCFG00014: The config property sink.x is required"));
    }

    @Test
    void aValueSmallRyeConfigCannotConvertBeforeTheSettingsAreCheckedIsExitCodeTwo() {
        Throwable failure = new ExceptionInInitializerError(new RuntimeException("Failed to start quarkus",
                new IllegalArgumentException("SRCFG00039: The config property smallrye.messaging.worker.sink-writers"
                        + ".max-concurrency with the config value \"four\" threw an Exception whilst being converted",
                        new NumberFormatException("SRCFG00029: Expected an integer value, got \"four\""))));

        assertThat(StartupExit.outcome(1, failure)).isEqualTo(new StartupExit.Outcome(2, "steady-sink cannot start: "
                + "SRCFG00039: The config property smallrye.messaging.worker.sink-writers.max-concurrency with the "
                + "config value \"four\" threw an Exception whilst being converted"));
    }

    @Test
    void anUnexpectedFailureIsExitCodeOneNamingItsRootCauseAndWhereTheStackTraceIs() {
        StartupExit.Outcome outcome = StartupExit.outcome(1, new RuntimeException("Failed to start quarkus",
                new IllegalStateException("outer", new NullPointerException("boom"))));

        assertThat(outcome).isEqualTo(new StartupExit.Outcome(1, "steady-sink failed unexpectedly: "
                + "java.lang.NullPointerException: boom (the stack trace is logged at DEBUG: "
                + "QUARKUS_LOG_CATEGORY__IO_STEADYSINK__LEVEL=DEBUG)"));
    }

    @Test
    void withoutAFailureTheStatusTheApplicationReturnedIsKept() {
        assertThat(StartupExit.outcome(0, null)).isEqualTo(new StartupExit.Outcome(0, null));
        assertThat(StartupExit.outcome(2, null)).isEqualTo(new StartupExit.Outcome(2, null));
    }
}
