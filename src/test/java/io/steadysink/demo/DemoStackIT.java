package io.steadysink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.steadysink.testing.SteadySinkProcess;

/** README command 1 in short: the demo stack comes up and rows land. */
class DemoStackIT {

    @Test
    void demoStackLandsRowsAndReportsHealthyWithinItsRun() {
        DemoStack.Result result = DemoStack.run("upsert", SteadySinkProcess.freePort(), Duration.ofSeconds(15));

        assertThat(result.produced()).isPositive();
        assertThat(result.rows()).isPositive();
        assertThat(result.secondsToFirstRow()).isPositive();
        assertThat(result.liveStatus()).isEqualTo(200);
        assertThat(result.readyStatus()).isEqualTo(200);
    }
}
