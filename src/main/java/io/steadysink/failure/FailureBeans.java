package io.steadysink.failure;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.steadysink.config.SinkConfig;
import io.steadysink.consumer.InFlightBatches;
import io.steadysink.health.ConsumerMonitor;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.SinkMode;

/** Builds the failure handling from configuration that {@code StartupConfigCheck} has validated. */
@ApplicationScoped
public class FailureBeans {

    @Produces
    @ApplicationScoped
    DatabaseRetry databaseRetry(SinkConfig config, SinkMetrics metrics, ConsumerMonitor monitor,
            InFlightBatches inFlight) {
        return new DatabaseRetry(Duration.ofMillis(config.retryBackoffInitialMs()),
                Duration.ofMillis(config.retryBackoffMaxMs()), new DatabaseRetry.Attempts() {
                    @Override
                    public void retrying() {
                        metrics.databaseRetry();
                        inFlight.progress();
                    }

                    @Override
                    public void answered() {
                        monitor.downstreamAnswered();
                        inFlight.progress();
                    }

                    @Override
                    public void unanswered() {
                        monitor.downstreamFailed();
                    }

                    @Override
                    public void timedOut(Object write, String description) {
                        metrics.statementTimeout();
                        monitor.statementTimedOut(write, description);
                    }

                    @Override
                    public void timeoutsEnded(Object write) {
                        monitor.statementTimeoutsEnded(write);
                    }
                });
    }

    @Produces
    @ApplicationScoped
    IsolatingWriter isolatingWriter(SinkConfig config, PostgresSink sink, DatabaseRetry retry) {
        RecordValidator validator = new RecordValidator(SinkMode.parse(config.mode()).orElseThrow(),
                config.maxRecordBytes());
        return new IsolatingWriter(validator, sink, retry, new RejectionBreaker(config.rejectionsMin(),
                config.rejectionsMaxRatio(), config.rejectionsWindow()));
    }

    @Produces
    @ApplicationScoped
    PoisonRecordHandler poisonRecordHandler(SinkConfig config, SinkMetrics metrics, ConsumerMonitor monitor,
            InFlightBatches inFlight) {
        String strategy = config.failureStrategy();
        String destination = switch (strategy) {
            case "dead-letter-queue" -> "dead-letter topic " + config.dlqTopic();
            case "ignore" -> "the ignore strategy (skipped)";
            default -> "the " + strategy + " strategy";
        };
        return new PoisonRecordHandler(strategy, destination, config.dlqTopic(),
                Duration.ofMillis(config.retryBackoffInitialMs()),
                Duration.ofMillis(config.retryBackoffMaxMs()), metrics, new DatabaseRetry.Attempts() {
                    @Override
                    public void retrying() {
                        monitor.downstreamFailed();
                        inFlight.progress();
                    }

                    @Override
                    public void answered() {
                        monitor.downstreamAnswered();
                        inFlight.progress();
                    }
                });
    }
}
