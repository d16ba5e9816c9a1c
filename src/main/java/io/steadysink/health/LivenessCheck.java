package io.steadysink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN only where a restart helps: the consumer FAILED (fatal error), STALLED (a batch without
 * progress beyond {@code SINK_STALL_BUDGET_MS}), or its poll loop has been silent longer than
 * {@code max.poll.interval.ms}. Never because the database or broker is away, a source topic does
 * not exist or writes are slow: a restart cannot fix those. Nothing sticks: the check follows the current state.
 */
@Liveness
@ApplicationScoped
public class LivenessCheck implements HealthCheck {

    private final ConsumerMonitor monitor;

    LivenessCheck(ConsumerMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public HealthCheckResponse call() {
        Snapshot snapshot = monitor.snapshot();
        String problem = snapshot.livenessProblem().orElse(null);
        return ConsumerChecks.response(snapshot, problem == null, problem);
    }
}
