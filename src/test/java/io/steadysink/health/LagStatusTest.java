package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Test;

import io.steadysink.health.LagStatus.Sample;

class LagStatusTest {

    @Test
    void notEnoughHistoryOrAnyCaughtUpSampleIsOk() {
        assertThat(LagStatus.of(window(i -> new Sample(100, 50)).subList(0, LagStatus.WINDOW - 1), true))
                .isEqualTo(LagStatus.OK);
        assertThat(LagStatus.of(window(i -> new Sample(100, i == 4 ? 0 : 50)), false)).isEqualTo(LagStatus.OK);
    }

    @Test
    void committedOffsetMovingWithLagNotGrowingEverySampleIsOk() {
        assertThat(LagStatus.of(window(i -> new Sample(100 + i * 10, 50 + (i % 2))), true)).isEqualTo(LagStatus.OK);
    }

    @Test
    void committedOffsetMovingWhileLagGrowsInEverySampleIsWarn() {
        assertThat(LagStatus.of(window(i -> new Sample(100 + i, 50 + i * 5)), true)).isEqualTo(LagStatus.WARN);
    }

    @Test
    void committedOffsetStuckWithLagIsStallWhileWorkingAndStopWhenNothingHappens() {
        List<Sample> stuck = window(i -> new Sample(100, 50 + i));
        assertThat(LagStatus.of(stuck, true)).isEqualTo(LagStatus.STALL);
        assertThat(LagStatus.of(stuck, false)).isEqualTo(LagStatus.STOP);
    }

    private static List<Sample> window(IntFunction<Sample> sample) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < LagStatus.WINDOW; i++) {
            samples.add(sample.apply(i));
        }
        return samples;
    }
}
