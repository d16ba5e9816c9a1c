package io.steadysink.failure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.ClientCustomizer;
import io.steadysink.config.Channels;
import io.steadysink.config.FailureStrategy;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;

/**
 * Lets the dead-letter path carry every record the consumer can be given. The consumer fetches
 * records as large as a source topic accepts ({@code max.message.bytes}), whatever its fetch sizes;
 * the connector's dead-letter producer would refuse anything above its {@code max.request.size}
 * (1 MiB by default). So the dead-letter producer is sized for the largest record the consumer may
 * be given plus the dead-letter headers, and at start-up, before the channel connects, the source
 * topics' and the dead-letter topic's limits are read and a dead-letter topic that would refuse
 * such a record (or does not exist) is reported with the fix.
 */
@ApplicationScoped
public class DeadLetterLimits implements ClientCustomizer<Map<String, Object>> {

    /** Room for the headers a dead-lettered record gains (reason, cause, coordinates). */
    static final int HEADER_ROOM = 64 * 1024;
    /** The broker's default {@code message.max.bytes}: what a topic accepts unless told otherwise. */
    static final int BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;
    /** The producer's default {@code buffer.memory}. */
    static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    private static final long LOOKUP_TIMEOUT_MS = 5_000;

    private static final Logger LOG = Logger.getLogger(DeadLetterLimits.class);

    private volatile int largestSourceRecord = BROKER_DEFAULT_MAX_MESSAGE_BYTES;

    void inspect(@Observes @Priority(StartupConfigCheck.PRIORITY + 3) StartupEvent event, SinkConfig config,
            org.eclipse.microprofile.config.Config all,
            @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafka) {
        if (!StartupConfigCheck.consumerEnabled(all)
                || config.parsedFailureStrategy() != FailureStrategy.DEAD_LETTER_QUEUE) {
            return;
        }
        List<String> sources = config.subscribedTopics();
        try (Admin admin = KafkaClientSettings.admin(kafka, config.groupId() + "-dead-letter-limits")) {
            Map<String, Integer> sourceLimits = maxMessageBytes(admin, sources);
            Map<String, Integer> dlqLimit = maxMessageBytes(admin, List.of(config.dlqTopic()));
            largestSourceRecord = Math.max(BROKER_DEFAULT_MAX_MESSAGE_BYTES,
                    sourceLimits.values().stream().max(Integer::compare).orElse(0));
            problem(config.dlqTopic(), dlqLimit.get(config.dlqTopic()), sourceLimits).ifPresent(LOG::warn);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warnf("Could not read max.message.bytes of %s and %s (%s); the dead-letter topic may refuse"
                    + " records that its source topics accept", sources, config.dlqTopic(),
                    e.getCause() == null ? e : e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Why {@code deadLetterTopic} cannot take every poison record of the source topics, with the fix;
     * empty when it can.
     *
     * @param deadLetterLimit its {@code max.message.bytes}, {@code null} when it does not exist
     * @param sourceLimits each source topic's {@code max.message.bytes}
     */
    static Optional<String> problem(String deadLetterTopic, Integer deadLetterLimit,
            Map<String, Integer> sourceLimits) {
        Map.Entry<String, Integer> largest = sourceLimits.entrySet().stream()
                .max(Map.Entry.<String, Integer>comparingByValue()
                        .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .orElse(Map.entry("", BROKER_DEFAULT_MAX_MESSAGE_BYTES));
        long needed = (long) largest.getValue() + HEADER_ROOM;
        String fix = "kafka-configs --bootstrap-server <broker> --alter --entity-type topics --entity-name "
                + deadLetterTopic + " --add-config max.message.bytes=" + needed;
        if (deadLetterLimit == null) {
            return Optional.of("SINK_DLQ_TOPIC=" + deadLetterTopic + " does not exist: poison records wait with"
                    + " their partitions until it is created; create it with max.message.bytes of at least "
                    + needed + " (or, once created, " + fix + ")");
        }
        if (deadLetterLimit < needed) {
            return Optional.of("SINK_DLQ_TOPIC=" + deadLetterTopic + " accepts records up to " + deadLetterLimit
                    + " bytes (max.message.bytes) but "
                    + (largest.getKey().isEmpty() ? "a topic with the broker's defaults" : largest.getKey())
                    + " accepts up to " + largest.getValue()
                    + ": a larger poison record would wait with its partition until the limit is raised; " + fix);
        }
        return Optional.empty();
    }

    /**
     * The dead-letter producer's {@code max.request.size}: the largest record the consumer may be
     * given (a whole fetch, {@code fetch.max.bytes}, or a source topic's {@code max.message.bytes} if
     * larger) plus the headers it gains.
     */
    long producerRequestSize(long fetchMaxBytes) {
        return Math.max(fetchMaxBytes, largestSourceRecord) + HEADER_ROOM;
    }

    /** Sizes the dead-letter producer (the only producer the channel creates); other clients pass through. */
    @Override
    public Map<String, Object> customize(String channel, org.eclipse.microprofile.config.Config channelConfig,
            Map<String, Object> config) {
        if (!Channels.EVENTS.equals(channel) || !config.containsKey(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG)) {
            return config;
        }
        long fetchMaxBytes = channelConfig == null
                ? ConsumerConfig.DEFAULT_FETCH_MAX_BYTES
                : channelConfig.getOptionalValue(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Long.class)
                        .orElse((long) ConsumerConfig.DEFAULT_FETCH_MAX_BYTES);
        long requestSize = Math.min(Integer.MAX_VALUE, Math.max(producerRequestSize(fetchMaxBytes),
                number(config, ProducerConfig.MAX_REQUEST_SIZE_CONFIG)));
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(requestSize));
        long buffer = Math.max(Math.max(DEFAULT_BUFFER_MEMORY, 2 * requestSize),
                number(config, ProducerConfig.BUFFER_MEMORY_CONFIG));
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(buffer));
        return config;
    }

    private static long number(Map<String, Object> config, String key) {
        Object value = config.get(key);
        try {
            return value == null ? 0 : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return 0; // the producer reports its own configuration errors
        }
    }

    private static Map<String, Integer> maxMessageBytes(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<ConfigResource> resources = new ArrayList<>();
        topics.forEach(topic -> resources.add(new ConfigResource(ConfigResource.Type.TOPIC, topic)));
        Map<String, Integer> limits = new TreeMap<>();
        Map<ConfigResource, KafkaFuture<Config>> described = admin
                .describeConfigs(resources, new DescribeConfigsOptions().timeoutMs((int) LOOKUP_TIMEOUT_MS)).values();
        for (Map.Entry<ConfigResource, KafkaFuture<Config>> topic : described.entrySet()) {
            try {
                ConfigEntry entry = topic.getValue().get(LOOKUP_TIMEOUT_MS + 1_000, TimeUnit.MILLISECONDS)
                        .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (entry != null && entry.value() != null) {
                    limits.put(topic.getKey().name(), Integer.parseInt(entry.value()));
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return limits;
    }
}
