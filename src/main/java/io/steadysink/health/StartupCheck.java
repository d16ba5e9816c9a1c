package io.steadysink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** UP once the table is migrated and the consumer has joined its group (first assignment, even empty). */
@Startup
@ApplicationScoped
public class StartupCheck implements HealthCheck {

    private final ConsumerMonitor monitor;

    StartupCheck(ConsumerMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public HealthCheckResponse call() {
        Snapshot snapshot = monitor.snapshot();
        return ConsumerChecks.response(snapshot, snapshot.started(),
                snapshot.started() ? null : snapshot.reason());
    }
}
