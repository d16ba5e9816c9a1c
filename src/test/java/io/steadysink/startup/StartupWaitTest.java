package io.steadysink.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.steadysink.testing.FakeClock;

/** The start-up wait on a fake clock: backoff, one line per interval, the budget, a stop. */
class StartupWaitTest {

    private static final StartupWait.Dependency POSTGRES = new StartupWait.Dependency("PostgreSQL at db:5432",
            "QUARKUS_DATASOURCE_JDBC_URL", "start it or correct QUARKUS_DATASOURCE_JDBC_URL");
    private static final StartupWait.Dependency KAFKA = new StartupWait.Dependency("the Kafka broker at k:9092",
            "KAFKA_BOOTSTRAP_SERVERS", "start it or correct KAFKA_BOOTSTRAP_SERVERS");

    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
    private final List<String> waiting = new ArrayList<>();
    private final List<String> answered = new ArrayList<>();
    private final List<Duration> pauses = new ArrayList<>();
    private final List<Instant> attempts = new ArrayList<>();
    private Duration stopAfter = Duration.ofDays(1);
    private Duration elapsed = Duration.ZERO;

    /** Budget 60 s, pauses 1, 2, 4, 5, 5 … s, a line every 10 s. */
    private final StartupWait wait = new StartupWait(Duration.ofSeconds(60), "SINK_STARTUP_WAIT_MS",
            failures -> Duration.ofSeconds(Math.min(5, 1L << (failures - 1))), Duration.ofSeconds(10), clock,
            clock::nanos, new StartupWait.Pacing() {
                @Override
                public boolean stopRequested() {
                    return elapsed.compareTo(stopAfter) >= 0;
                }

                @Override
                public boolean pause(Duration duration) {
                    pauses.add(duration);
                    Duration left = stopAfter.minus(elapsed);
                    Duration passed = duration.compareTo(left) < 0 ? duration : left;
                    clock.advance(passed);
                    elapsed = elapsed.plus(passed);
                    return stopRequested();
                }

                @Override
                public boolean run(StartupWait.Attempt attempt) throws Exception {
                    attempts.add(clock.instant());
                    attempt.run();
                    return true;
                }
            }, new StartupWait.Report() {
                @Override
                public void waiting(String line) {
                    waiting.add(line);
                }

                @Override
                public void answered(String line) {
                    answered.add(line);
                }
            });

    @Test
    void aDependencyThatAnswersAtOnceIsNotWaitedForAndNothingIsSaid() throws Exception {
        wait.await(POSTGRES, () -> {
        });

        assertThat(attempts).hasSize(1);
        assertThat(pauses).isEmpty();
        assertThat(waiting).isEmpty();
        assertThat(answered).isEmpty();
    }

    @Test
    void anUnavailableDependencyIsRetriedWithBackoffUntilItAnswersAndBothAreSaid() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        wait.await(POSTGRES, () -> {
            if (calls.incrementAndGet() <= 4) {
                throw new StartupWait.Unavailable("Connection to db:5432 refused");
            }
        });

        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(5));
        assertThat(waiting).containsExactly("Waiting for PostgreSQL at db:5432 (QUARKUS_DATASOURCE_JDBC_URL) since "
                + "2025-03-01T12:00:00Z: Connection to db:5432 refused; start-up gives up in 60 s "
                + "(SINK_STARTUP_WAIT_MS=60000)");
        assertThat(answered).containsExactly("PostgreSQL at db:5432 (QUARKUS_DATASOURCE_JDBC_URL) answered after 12 s "
                + "of waiting");
    }

    @Test
    void whileItWaitsItSaysSoOncePerReportIntervalWithTheLatestReason() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        wait.await(POSTGRES, () -> {
            if (clock.instant().isBefore(Instant.parse("2025-03-01T12:00:35Z"))) {
                throw new StartupWait.Unavailable("attempt " + calls.incrementAndGet());
            }
        });

        assertThat(waiting).hasSize(4).allSatisfy(line -> assertThat(line)
                .startsWith(
                        "Waiting for PostgreSQL at db:5432 (QUARKUS_DATASOURCE_JDBC_URL) since 2025-03-01T12:00:00Z: "));
        assertThat(waiting.get(0)).contains(": attempt 1; start-up gives up in 60 s");
        assertThat(waiting.get(1)).contains(": attempt 5; start-up gives up in 48 s");
    }

    @Test
    void whenTheBudgetIsSpentStartupEndsWithExitCodeThreeAndOneLineNamingDependencyVariableAndFix() {
        assertThatThrownBy(() -> wait.await(POSTGRES, () -> {
            throw new StartupWait.Unavailable("Connection to db:5432 refused");
        })).isInstanceOfSatisfying(StartupFailure.class, failure -> {
            assertThat(failure.code()).isEqualTo(ExitCode.DEPENDENCY_UNAVAILABLE);
            assertThat(failure.line()).isEqualTo("steady-sink cannot start: PostgreSQL at db:5432 "
                    + "(QUARKUS_DATASOURCE_JDBC_URL) is still unavailable after 60 s of waiting, since "
                    + "2025-03-01T12:00:00Z (Connection to db:5432 refused), and the start-up wait is over "
                    + "(SINK_STARTUP_WAIT_MS=60000): start it or correct QUARKUS_DATASOURCE_JDBC_URL, or raise "
                    + "SINK_STARTUP_WAIT_MS");
        });
        assertThat(attempts).as("the last attempt is made when the budget ends")
                .last().isEqualTo(Instant.parse("2025-03-01T12:01:00Z"));
        assertThat(answered).isEmpty();
    }

    @Test
    void oneBudgetCoversEveryDependencyStartupWaitsFor() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        wait.await(POSTGRES, () -> {
            if (calls.incrementAndGet() <= 10) {
                throw new StartupWait.Unavailable("refused");
            }
        });
        Instant kafkaSince = clock.instant();

        assertThatThrownBy(() -> wait.await(KAFKA, () -> {
            throw new StartupWait.Unavailable("no answer within 5 s");
        })).isInstanceOfSatisfying(StartupFailure.class, failure -> assertThat(failure.line())
                .contains("the Kafka broker at k:9092 (KAFKA_BOOTSTRAP_SERVERS) is still unavailable after 18 s of "
                        + "waiting, since " + kafkaSince));
        assertThat(attempts).last().isEqualTo(Instant.parse("2025-03-01T12:01:00Z"));
    }

    @Test
    void anAttemptThatWaitedForAnAnswerCountsFromWhenItBegan() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        wait.await(KAFKA, () -> {
            clock.advance(Duration.ofSeconds(5)); // no answer within 5 s
            if (calls.incrementAndGet() <= 2) {
                throw new StartupWait.Unavailable("no broker answered within 5 s");
            }
        });

        assertThat(waiting).singleElement().asString().startsWith("Waiting for the Kafka broker at k:9092 "
                + "(KAFKA_BOOTSTRAP_SERVERS) since 2025-03-01T12:00:00Z: no broker answered within 5 s; start-up gives "
                + "up in 55 s");
        assertThat(answered).containsExactly("The Kafka broker at k:9092 (KAFKA_BOOTSTRAP_SERVERS) answered after "
                + "18 s of waiting");
    }

    @Test
    void aStopRequestedWhileWaitingEndsStartupWithExitCodeZeroWithoutAnotherAttempt() {
        stopAfter = Duration.ofSeconds(9);

        assertThatThrownBy(() -> wait.await(POSTGRES, () -> {
            throw new StartupWait.Unavailable("refused");
        })).isInstanceOfSatisfying(StartupFailure.class, failure -> {
            assertThat(failure.code()).isEqualTo(ExitCode.STOPPED);
            assertThat(failure.line()).isEqualTo("Stopped on request during start-up, while waiting for PostgreSQL at "
                    + "db:5432 since 2025-03-01T12:00:00Z");
        });
        assertThat(attempts).as("attempts at 0, 1, 3 and 7 s; the stop came during the pause after it").hasSize(4);
    }

    @Test
    void aStopRequestedBeforeTheWaitMakesNoAttempt() {
        stopAfter = Duration.ZERO;

        assertThatThrownBy(() -> wait.await(POSTGRES, () -> {
        })).isInstanceOfSatisfying(StartupFailure.class,
                failure -> assertThat(failure.code()).isEqualTo(ExitCode.STOPPED));
        assertThat(attempts).isEmpty();
    }

    @Test
    void aRefusalEndsTheWaitAtOnceWithItsOwnCodeAndAnythingElsePassesThrough() {
        StartupFailure refused = new StartupFailure(ExitCode.ACCESS_REFUSED, "refused");
        assertThatThrownBy(() -> wait.await(POSTGRES, () -> {
            throw refused;
        })).isSameAs(refused);
        IllegalStateException bug = new IllegalStateException("bug");
        assertThatThrownBy(() -> wait.await(POSTGRES, () -> {
            throw bug;
        })).isSameAs(bug);
        assertThat(attempts).hasSize(2);
        assertThat(pauses).isEmpty();
    }

    @Test
    void onRealThreadsAStopAbandonsAnAttemptThatHangs() throws Exception {
        StopSignal stop = new StopSignal();
        StartupWait real = StartupWait.of(Duration.ofMinutes(5), "SINK_STARTUP_WAIT_MS", n -> Duration.ofSeconds(1),
                stop, new StartupWait.Report() {
                    @Override
                    public void waiting(String line) {
                    }

                    @Override
                    public void answered(String line) {
                    }
                });
        CountDownLatch hanging = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Thread stopper = new Thread(() -> {
            try {
                hanging.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.request();
        });
        stopper.start();

        assertThatThrownBy(() -> real.await(POSTGRES, () -> {
            hanging.countDown();
            never.await(); // a server that accepts the connection and never answers
        })).isInstanceOfSatisfying(StartupFailure.class,
                failure -> assertThat(failure.code()).isEqualTo(ExitCode.STOPPED));
        assertThat(never.getCount()).as("the attempt is still hanging").isOne();
        stopper.join(TimeUnit.SECONDS.toMillis(10));
    }
}
