package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class BackoffTest {

    private final List<Integer> retried = new ArrayList<>();
    private final Backoff backoff = new Backoff(Duration.ofMillis(1), Duration.ofMillis(2),
            failure -> failure instanceof IOException, (attempts, elapsed, failure) -> retried.add(attempts));

    @Test
    void theScheduleDoublesFromTheFirstWaitUpToTheLongest() {
        List<Duration> waits = new ArrayList<>();
        for (int retry = 1; retry <= 7; retry++) {
            waits.add(Backoff.delay(retry, Duration.ofMillis(200), Duration.ofSeconds(5)));
        }

        assertThat(waits).containsExactly(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofMillis(800),
                Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofSeconds(5), Duration.ofSeconds(5));
        assertThat(Backoff.delay(10_000, Duration.ofMillis(200), Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aRetryableFailureIsRetriedUntilTheAttemptSucceedsAndEachRetryIsReported() throws Exception {
        AtomicInteger calls = new AtomicInteger();

        String result = backoff.get(() -> {
            if (calls.incrementAndGet() < 4) {
                throw new IOException("away");
            }
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(retried).containsExactly(1, 2, 3);
    }

    @Test
    void aFailureNotRetriedIsRethrownAsItCameAfterOneAttempt() {
        AtomicInteger calls = new AtomicInteger();
        Exception refused = new Exception("refused");

        assertThatThrownBy(() -> backoff.run(() -> {
            calls.incrementAndGet();
            throw refused;
        })).isSameAs(refused);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(retried).isEmpty();
    }
}
