package io.steadysink.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the probes and gauges show, as of the last evaluation of the consumer state.
 *
 * @param missingTopics the source topics the broker said do not exist, with since when
 */
public record Snapshot(ConsumerState state, String reason, boolean started, boolean brokerReachable,
        Duration lastPollAge, Duration maxPollInterval, Duration oldestInFlight, int pausedPartitions,
        List<PartitionLag> lag, Map<String, Instant> missingTopics) {

    /** Before the first evaluation: starting, nothing known yet. */
    static Snapshot starting(Duration maxPollInterval) {
        return new Snapshot(ConsumerState.STARTING, "starting: table not migrated yet", false, true, Duration.ZERO,
                maxPollInterval, Duration.ZERO, 0, List.of(), Map.of());
    }

    /** Why liveness is DOWN, or empty when a restart would not help. */
    public Optional<String> livenessProblem() {
        if (state == ConsumerState.FAILED || state == ConsumerState.STALLED) {
            return Optional.of(reason);
        }
        if (started && lastPollAge.compareTo(maxPollInterval) > 0) {
            return Optional.of("the poll loop has been silent for " + lastPollAge.toSeconds()
                    + " s, more than max.poll.interval.ms=" + maxPollInterval.toMillis());
        }
        return Optional.empty();
    }

    /**
     * Why readiness is DOWN, or empty when the replica is ready. A missing source topic keeps it
     * DOWN whichever state outranks {@link ConsumerState#WAITING_FOR_TOPIC}.
     */
    public Optional<String> readinessProblem() {
        if (!state.ready()) {
            return Optional.of(reason);
        }
        Optional<String> missing = missingTopicsProblem(missingTopics);
        if (missing.isPresent()) {
            return missing;
        }
        if (!brokerReachable) {
            return Optional.of("the Kafka broker is unreachable");
        }
        return Optional.empty();
    }

    /** What the missing source topics mean and the fix, or empty when every one exists. */
    static Optional<String> missingTopicsProblem(Map<String, Instant> missingTopics) {
        if (missingTopics.isEmpty()) {
            return Optional.empty();
        }
        Instant since = missingTopics.values().stream().min(Comparator.naturalOrder()).orElseThrow();
        String topics = String.join(", ", missingTopics.keySet());
        return Optional.of(missingTopics.size() == 1
                ? "topic " + topics + " of SINK_TOPICS does not exist (since " + since
                        + "): create it or fix SINK_TOPICS"
                : "topics " + topics + " of SINK_TOPICS do not exist (since " + since
                        + "): create them or fix SINK_TOPICS");
    }
}
