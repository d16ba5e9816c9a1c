package io.steadysink.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

import io.steadysink.failure.FatalStop;

/**
 * DOWN once a fatal failure stopped the consumer: only a restart (with the fix) helps, and the pod
 * should not count as ready either. Reads state only; no I/O.
 */
@Liveness
@Readiness
@ApplicationScoped
public class ConsumerHealth implements HealthCheck {

    static final String NAME = "steady-sink consumer";

    private final FatalStop fatal;

    ConsumerHealth(FatalStop fatal) {
        this.fatal = fatal;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        return fatal.stopped()
                .map(stopped -> response.down().withData("state", "FAILED").withData("reason", stopped.reason())
                        .withData("since", stopped.since().toString()))
                .orElseGet(response::up)
                .build();
    }
}
