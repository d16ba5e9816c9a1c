package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.testing.FakeClock;
import io.steadysink.testing.LogCapture;

/** What a missing source topic gives: the WARN and its rhythm, the INFO once it exists, the gauge. */
class SourceTopicsTest {

    private static final String LOG = SourceTopics.class.getName();
    private static final Instant NOON = Instant.parse("2025-03-01T12:00:00Z");

    private final FakeClock clock = new FakeClock(NOON);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SinkMetrics metrics = new SinkMetrics(registry,
            new SinkMetrics.StartupSeries(List.of("unit-orders", "unit-orderz"), List.of(), "ignore", "append"));
    private final SourceTopics topics = new SourceTopics(List.of("unit-orders", "unit-orderz"), metrics,
            Duration.ofMinutes(1), clock, clock);

    @BeforeAll
    static void captureTheLog() {
        LogCapture.install(LOG);
    }

    @Test
    void aMissingTopicIsWarnedAtOnceThenOnceAMinuteUntilItExistsWhichIsSaidOnce() {
        assertThat(missingGauge("unit-orders")).as("registered at start-up").isZero();
        assertThat(missingGauge("unit-orderz")).isZero();

        topics.described(Set.of("unit-orderz", "not-configured"));
        assertThat(missingGauge("unit-orderz")).isEqualTo(1);
        assertThat(missingGauge("unit-orders")).isZero();
        assertThat(topics.missing()).containsExactly(Map.entry("unit-orderz", NOON));
        String warning = "WARN Topic unit-orderz of SINK_TOPICS does not exist (since 2025-03-01T12:00:00Z): create it"
                + " or fix SINK_TOPICS; consumption starts by itself once it exists";
        assertThat(lines()).containsExactly(warning);

        clock.advance(Duration.ofSeconds(30));
        topics.described(Set.of("unit-orderz"));
        assertThat(lines()).hasSize(1);
        clock.advance(Duration.ofSeconds(30));
        topics.described(Set.of("unit-orderz"));
        assertThat(lines()).containsExactly(warning, warning);

        clock.advance(Duration.ofSeconds(5));
        topics.described(Set.of());
        assertThat(lines()).containsExactly(warning, warning, "INFO Topic unit-orderz of SINK_TOPICS exists now"
                + " (missing since 2025-03-01T12:00:00Z, for 1 min 5 s); the consumer takes its partitions by itself");
        assertThat(missingGauge("unit-orderz")).isZero();
        assertThat(topics.missing()).isEmpty();

        topics.described(Set.of());
        assertThat(lines()).as("nothing more to say").hasSize(3);
    }

    private double missingGauge(String topic) {
        return registry.get(SinkMetrics.SOURCE_TOPIC_MISSING).tag("topic", topic).gauge().value();
    }

    private static List<String> lines() {
        return LogCapture.lines(LOG).stream().filter(line -> line.contains("unit-orderz")).toList();
    }
}
