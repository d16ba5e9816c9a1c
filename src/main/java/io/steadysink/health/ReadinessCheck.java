package io.steadysink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while STARTING, while the broker is unreachable, while writes fail transiently
 * (DOWNSTREAM_DOWN), while a source topic does not exist (WAITING_FOR_TOPIC, or any state that
 * outranks it) and once FAILED. UP while idle, rebalancing or paused for backpressure: those
 * are normal for a healthy consumer.
 */
@Readiness
@ApplicationScoped
public class ReadinessCheck implements HealthCheck {

    private final ConsumerMonitor monitor;

    ReadinessCheck(ConsumerMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public HealthCheckResponse call() {
        Snapshot snapshot = monitor.snapshot();
        String problem = snapshot.readinessProblem().orElse(null);
        return ConsumerChecks.response(snapshot, problem == null, problem);
    }
}
