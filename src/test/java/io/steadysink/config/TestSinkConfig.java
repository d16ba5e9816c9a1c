package io.steadysink.config;

import java.util.List;
import java.util.Optional;

/** A {@link SinkConfig} with the production defaults, changed one setting at a time. */
record TestSinkConfig(Optional<List<String>> topics, String groupId, Optional<String> autoOffsetReset, String mode,
        String table, int workers, String dlqTopic, String failureStrategy, long statementTimeoutMs,
        Optional<Long> drainTimeoutMs, long sessionTimeoutMinMs, long sessionTimeoutMaxMs) implements SinkConfig {

    @Override
    public long stallBudgetMs() {
        return 120_000;
    }

    @Override
    public long lagIntervalMs() {
        return 5_000;
    }

    @Override
    public int maxRecordBytes() {
        return 1_048_576;
    }

    @Override
    public long retryBackoffInitialMs() {
        return 200;
    }

    @Override
    public long retryBackoffMaxMs() {
        return 30_000;
    }

    @Override
    public int rejectionsMin() {
        return 10;
    }

    @Override
    public double rejectionsMaxRatio() {
        return 0.5;
    }

    @Override
    public int rejectionsWindow() {
        return 1_000;
    }

    static TestSinkConfig defaults() {
        return new TestSinkConfig(Optional.of(List.of("orders")), "steady-sink", Optional.of("earliest"), "append",
                "sink_events", 4, "steady-sink-dlq", "dead-letter-queue", 10_000, Optional.empty(), 6_000, 300_000);
    }

    TestSinkConfig withTopics(List<String> value) {
        return new TestSinkConfig(Optional.ofNullable(value), groupId, autoOffsetReset, mode, table, workers, dlqTopic,
                failureStrategy, statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withAutoOffsetReset(String value) {
        return new TestSinkConfig(topics, groupId, Optional.ofNullable(value), mode, table, workers, dlqTopic,
                failureStrategy, statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withMode(String value) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, value, table, workers, dlqTopic, failureStrategy,
                statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withTable(String value) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, value, workers, dlqTopic, failureStrategy,
                statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withWorkers(int value) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, table, value, dlqTopic, failureStrategy,
                statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withDeadLetterQueue(String topic) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, table, workers, topic, "dead-letter-queue",
                statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withFailureStrategy(String value) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, table, workers, dlqTopic, value,
                statementTimeoutMs, drainTimeoutMs, sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withTimeouts(long statement, long drain) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, table, workers, dlqTopic, failureStrategy,
                statement, Optional.of(drain), sessionTimeoutMinMs, sessionTimeoutMaxMs);
    }

    TestSinkConfig withSessionBounds(long min, long max) {
        return new TestSinkConfig(topics, groupId, autoOffsetReset, mode, table, workers, dlqTopic, failureStrategy,
                statementTimeoutMs, drainTimeoutMs, min, max);
    }
}
