package io.steadysink.health;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Everything the probes and gauges show, as of the last evaluation of the consumer state. */
public record Snapshot(ConsumerState state, String reason, boolean started, boolean brokerReachable,
        Duration lastPollAge, Duration maxPollInterval, Duration oldestInFlight, int pausedPartitions,
        List<PartitionLag> lag) {

    /** Before the first evaluation: starting, nothing known yet. */
    static Snapshot starting(Duration maxPollInterval) {
        return new Snapshot(ConsumerState.STARTING, "starting: table not migrated yet", false, true, Duration.ZERO,
                maxPollInterval, Duration.ZERO, 0, List.of());
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

    /** Why readiness is DOWN, or empty when the replica is ready. */
    public Optional<String> readinessProblem() {
        if (!state.ready()) {
            return Optional.of(reason);
        }
        if (!brokerReachable) {
            return Optional.of("the Kafka broker is unreachable");
        }
        return Optional.empty();
    }
}
