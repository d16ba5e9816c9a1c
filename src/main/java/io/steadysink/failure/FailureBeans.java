package io.steadysink.failure;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.steadysink.config.SinkConfig;
import io.steadysink.metrics.SinkMetrics;

/** Builds the failure handling from configuration. */
@ApplicationScoped
public class FailureBeans {

    @Produces
    @ApplicationScoped
    DatabaseRetry databaseRetry(SinkConfig config, SinkMetrics metrics) {
        return new DatabaseRetry(Duration.ofMillis(config.retryBackoffInitialMs()),
                Duration.ofMillis(config.retryBackoffMaxMs()), metrics::databaseRetry);
    }
}
