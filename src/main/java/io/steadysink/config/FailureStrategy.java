package io.steadysink.config;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import io.smallrye.reactive.messaging.kafka.fault.KafkaDelayedRetryTopic;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;

/**
 * {@code SINK_FAILURE_STRATEGY}: the connector failure strategy that receives each poison record.
 * The names are the connector's own constants ({@code KafkaFailureHandler.Strategy} holds three as
 * strings, {@code KafkaDelayedRetryTopic} the fourth), and they are matched exactly, as the connector
 * matches them: the setting is handed to the channel's {@code failure-strategy} as written.
 */
public enum FailureStrategy {
    /** To {@code SINK_DLQ_TOPIC}, with the reason in the {@code dead-letter-*} headers. */
    DEAD_LETTER_QUEUE(KafkaFailureHandler.Strategy.DEAD_LETTER_QUEUE),
    /** Skipped, logged and counted. */
    IGNORE(KafkaFailureHandler.Strategy.IGNORE),
    /** The consumer stops at the first poison record. */
    FAIL(KafkaFailureHandler.Strategy.FAIL),
    /**
     * Retry topics; a known name that the config doctor refuses, because a batched channel never reads
     * its retry topics back.
     */
    DELAYED_RETRY_TOPIC(KafkaDelayedRetryTopic.DELAYED_RETRY_TOPIC_STRATEGY);

    private final String configName;

    FailureStrategy(String configName) {
        this.configName = configName;
    }

    /** The name as configured and as the connector knows it, e.g. {@code dead-letter-queue}. */
    public String configName() {
        return configName;
    }

    /** The strategy named exactly {@code value}, if any. */
    public static Optional<FailureStrategy> parse(String value) {
        return Arrays.stream(values()).filter(strategy -> strategy.configName.equals(value)).findFirst();
    }

    /**
     * The strategy named {@code value}, as {@link #parse} finds it.
     *
     * @throws IllegalArgumentException naming {@code SINK_FAILURE_STRATEGY}, the value and the choices, on
     *         one line
     */
    public static FailureStrategy of(String value) {
        return parse(value).orElseThrow(() -> new IllegalArgumentException("SINK_FAILURE_STRATEGY='" + value
                + "' is not valid: use one of " + Arrays.stream(values()).map(FailureStrategy::configName).sorted()
                        .collect(Collectors.joining(", "))));
    }
}
