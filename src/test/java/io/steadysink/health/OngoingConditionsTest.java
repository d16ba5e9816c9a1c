package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.steadysink.health.OngoingConditions.Condition;
import io.steadysink.testing.FakeClock;

/** When a lasting condition is said again, and what an ended one reports: on a fake clock. */
class OngoingConditionsTest {

    private static final Instant NOON = Instant.parse("2025-03-01T12:00:00Z");
    private static final Duration REPEAT = Duration.ofMinutes(1);

    private final FakeClock clock = new FakeClock(NOON);
    private final OngoingConditions<String> conditions = new OngoingConditions<>(REPEAT, clock, clock);

    @Test
    void aConditionIsDueWhenItBeginsAndThenOncePerRepeatWhileItHolds() {
        assertThat(conditions.holding(List.of("orderz")).due())
                .containsExactly(new Condition<>("orderz", NOON, Duration.ZERO));

        clock.advance(Duration.ofSeconds(30));
        assertThat(conditions.holding(List.of("orderz")).due()).isEmpty();
        clock.advance(Duration.ofSeconds(30));
        assertThat(conditions.holding(List.of("orderz")).due())
                .containsExactly(new Condition<>("orderz", NOON, REPEAT));
        clock.advance(Duration.ofSeconds(59));
        assertThat(conditions.holding(List.of("orderz")).due()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(conditions.holding(List.of("orderz")).due())
                .containsExactly(new Condition<>("orderz", NOON, Duration.ofMinutes(2)));
        assertThat(conditions.current()).containsExactly(new Condition<>("orderz", NOON, Duration.ofMinutes(2)));
    }

    @Test
    void eachConditionKeepsItsOwnSinceAndRhythmAndAnEndedOneIsReportedOnce() {
        conditions.holding(List.of("orderz"));
        clock.advance(Duration.ofSeconds(45));
        OngoingConditions.Update<String> second = conditions.holding(List.of("orderz", "paymentz"));
        assertThat(second.due()).containsExactly(new Condition<>("paymentz", NOON.plusSeconds(45), Duration.ZERO));
        assertThat(second.ended()).isEmpty();

        clock.advance(Duration.ofSeconds(20));
        OngoingConditions.Update<String> third = conditions.holding(List.of("paymentz"));
        assertThat(third.ended()).containsExactly(new Condition<>("orderz", NOON, Duration.ofSeconds(65)));
        assertThat(third.due()).isEmpty();
        assertThat(conditions.current())
                .containsExactly(new Condition<>("paymentz", NOON.plusSeconds(45), Duration.ofSeconds(20)));

        assertThat(conditions.holding(List.of("paymentz")).ended()).as("reported once").isEmpty();
        assertThat(conditions.holding(List.of()).ended())
                .containsExactly(new Condition<>("paymentz", NOON.plusSeconds(45), Duration.ofSeconds(20)));
        assertThat(conditions.current()).isEmpty();
    }

    @Test
    void aConditionThatComesBackIsDueAtOnceWithANewSince() {
        conditions.holding(List.of("broker"));
        clock.advance(Duration.ofSeconds(10));
        conditions.holding(List.of());
        clock.advance(Duration.ofSeconds(5));

        assertThat(conditions.holding(List.of("broker")).due())
                .containsExactly(new Condition<>("broker", NOON.plusSeconds(15), Duration.ZERO));
    }

    @Test
    void sinceIsWallClockTimeToTheSecondAndHowLongItLastedIsMonotonic() {
        clock.advance(Duration.ofMillis(700));
        conditions.holding(List.of("orderz"));
        clock.stepWallClock(Duration.ofHours(-1)); // NTP steps the wall clock back: nothing else moves
        clock.advance(Duration.ofSeconds(61));

        assertThat(conditions.holding(List.of("orderz")).due())
                .containsExactly(new Condition<>("orderz", NOON, Duration.ofSeconds(61)));
    }

    @Test
    void howLongAConditionLastedReadsInSecondsMinutesOrHours() {
        assertThat(OngoingConditions.describe(Duration.ofMillis(45_900))).isEqualTo("45 s");
        assertThat(OngoingConditions.describe(Duration.ofSeconds(12 * 60 + 5))).isEqualTo("12 min 5 s");
        assertThat(OngoingConditions.describe(Duration.ofMinutes(3 * 60 + 2).plusSeconds(40))).isEqualTo("3 h 2 min");
    }
}
