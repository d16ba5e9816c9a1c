package io.steadysink.health;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** The response every steady-sink check shares: its verdict plus what the monitor knows. */
final class ConsumerChecks {

    static final String NAME = "steady-sink consumer";

    private ConsumerChecks() {
    }

    static HealthCheckResponse response(Snapshot snapshot, boolean up, String problem) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).status(up)
                .withData("state", snapshot.state().name())
                .withData("reason", snapshot.reason())
                .withData("broker reachable", snapshot.brokerReachable())
                .withData("last poll age ms", snapshot.lastPollAge().toMillis())
                .withData("max poll interval ms", snapshot.maxPollInterval().toMillis())
                .withData("oldest in-flight ms", snapshot.oldestInFlight().toMillis())
                .withData("paused partitions", snapshot.pausedPartitions());
        if (!snapshot.missingTopics().isEmpty()) {
            response.withData("missing topics", String.join(",", snapshot.missingTopics().keySet()));
        }
        if (problem != null) {
            response.withData("down because", problem);
        }
        for (PartitionLag lag : snapshot.lag()) {
            response.withData("lag " + lag.partition(), lag.describe());
        }
        return response.build();
    }

}
