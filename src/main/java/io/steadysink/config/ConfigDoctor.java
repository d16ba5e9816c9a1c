package io.steadysink.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;

import io.steadysink.format.RecordFormat;

/**
 * Examines the settings as a whole before the consumer starts and rejects combinations that would
 * make it flap, stall or lose data. Each finding is one line naming the environment variable, its
 * value, the rule and the fix; all findings are reported at once. Errors stop start-up; warnings
 * are logged.
 * <p>
 * On {@code max.poll.interval.ms}: the classic rule "it must exceed the worst-case batch time"
 * exists because a handler usually runs on the polling thread. steady-sink writes on a worker pool
 * and keeps polling, so a slow batch never costs it its membership. The polling thread waits for
 * batches in one place only: when partitions are revoked, for up to {@code SINK_DRAIN_TIMEOUT_MS}.
 * So the interval must exceed the drain budget (error), and a batch that may outlast it
 * (worst case: COPY plus merge, each bounded by {@code SINK_STATEMENT_TIMEOUT_MS}) is only
 * abandoned and re-delivered at revocation (warning). The drain budget, when not set, follows the poll
 * interval ({@link #drainTimeoutMs}), so a default never makes another setting's valid value illegal.
 */
public final class ConfigDoctor {

    /** {@code SINK_DRAIN_TIMEOUT_MS} when neither it nor a short poll interval says otherwise. */
    static final long DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

    /** The connector's channel attribute: queued batches at which it pauses the partitions. */
    static final String QUEUE_FACTOR = "max-queue-size-factor";

    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public enum Severity {
        ERROR, WARNING
    }

    /** One violated rule: {@code message} names the variable, the value, the rule and the fix. */
    public record Finding(Severity severity, String message) {
        @Override
        public String toString() {
            return severity + ": " + message;
        }
    }

    private final SinkConfig sink;
    private final Map<String, String> kafka;
    private final int poolSize;
    private final long heapBytes;
    private final List<Finding> findings = new ArrayList<>();

    private ConfigDoctor(SinkConfig sink, Map<String, String> kafka, int poolSize, long heapBytes) {
        this.sink = sink;
        this.kafka = kafka;
        this.poolSize = poolSize;
        this.heapBytes = heapBytes;
    }

    /**
     * @param kafka the effective consumer properties of the channel (only those set explicitly)
     * @param poolSize the datasource's maximum pool size
     * @param heapBytes the heap the records in flight must fit in ({@link MemoryBudget})
     */
    public static List<Finding> examine(SinkConfig sink, Map<String, String> kafka, int poolSize, long heapBytes) {
        ConfigDoctor doctor = new ConfigDoctor(sink, kafka, poolSize, heapBytes);
        SinkSettings.problems(sink).forEach(doctor::error);
        doctor.offsetResetNone();
        doctor.groupProtocol();
        doctor.pollInterval();
        doctor.workersAndPool();
        doctor.sourceTopics();
        doctor.schemaRegistry();
        doctor.deadLetterTopic();
        doctor.delayedRetry();
        doctor.stallBudget();
        doctor.autoCommit();
        doctor.memory();
        return List.copyOf(doctor.findings);
    }

    public static boolean hasErrors(List<Finding> findings) {
        return findings.stream().anyMatch(finding -> finding.severity() == Severity.ERROR);
    }

    private void offsetResetNone() {
        if (sink.autoOffsetReset().map(v -> v.trim().equalsIgnoreCase("none")).orElse(false)) {
            warning("SINK_AUTO_OFFSET_RESET=none: the consumer fails on any partition without a committed offset"
                    + " (a new group, a partition added later, offsets expired by the broker's retention); use"
                    + " 'earliest' or 'latest' to choose a start point instead");
        }
    }

    private void groupProtocol() {
        boolean consumerProtocol = "consumer"
                .equalsIgnoreCase(kafka.getOrDefault("group.protocol", ConsumerConfig.DEFAULT_GROUP_PROTOCOL));
        if (consumerProtocol) {
            for (String key : List.of("session.timeout.ms", "heartbeat.interval.ms")) {
                if (kafka.containsKey(key)) {
                    error(variable(key) + "=" + kafka.get(key)
                            + " cannot be combined with KAFKA_GROUP_PROTOCOL=consumer:"
                            + " the broker sets it for that protocol and the client refuses it; unset " + variable(key)
                            + " (tune group.consumer." + key.replace(".ms", "") + " on the broker) or use the classic"
                            + " protocol");
                }
            }
            return;
        }
        long session = number("session.timeout.ms");
        long heartbeat = number("heartbeat.interval.ms");
        if (heartbeat * 3 > session) {
            error("KAFKA_HEARTBEAT_INTERVAL_MS=" + heartbeat + " is more than a third of KAFKA_SESSION_TIMEOUT_MS="
                    + session + ": two missed heartbeats would already evict the consumer; set"
                    + " KAFKA_HEARTBEAT_INTERVAL_MS to at most " + session / 3 + " or raise the session timeout");
        }
        if (session < sink.sessionTimeoutMinMs() || session > sink.sessionTimeoutMaxMs()) {
            error("KAFKA_SESSION_TIMEOUT_MS=" + session + " is outside the broker's allowed range ["
                    + sink.sessionTimeoutMinMs() + ", " + sink.sessionTimeoutMaxMs() + "] (group.min/max.session"
                    + ".timeout.ms): the broker would reject the join; choose a value in range, or set"
                    + " SINK_SESSION_TIMEOUT_MIN_MS/SINK_SESSION_TIMEOUT_MAX_MS to your broker's actual bounds");
        }
    }

    /**
     * The drain budget in effect: {@code SINK_DRAIN_TIMEOUT_MS} when set, otherwise
     * {@value #DEFAULT_DRAIN_TIMEOUT_MS} ms or half of {@code max.poll.interval.ms}, whichever is less.
     */
    public static long drainTimeoutMs(SinkConfig sink, long maxPollIntervalMs) {
        return sink.drainTimeoutMs().orElse(Math.min(DEFAULT_DRAIN_TIMEOUT_MS, maxPollIntervalMs / 2));
    }

    /**
     * Statements of one batch write that the statement timeout bounds, in the worst case: append
     * tries a COPY into the table, and when some rows are already there (a replay) COPYs into the
     * staging table and merges; upsert always stages and merges.
     */
    static int statementsPerBatch(SinkConfig sink) {
        return SinkMode.parse(sink.mode()).orElse(null) == SinkMode.APPEND ? 3 : 2; // no mode: reported already
    }

    private void pollInterval() {
        long interval = number("max.poll.interval.ms");
        long drain = drainTimeoutMs(sink, interval);
        long worstBatch = statementsPerBatch(sink) * sink.statementTimeoutMs();
        if (interval <= drain) {
            error("KAFKA_MAX_POLL_INTERVAL_MS=" + interval + " is not above SINK_DRAIN_TIMEOUT_MS=" + drain
                    + ": the polling thread waits up to the drain budget for revoked partitions and would be evicted"
                    + " meanwhile; raise KAFKA_MAX_POLL_INTERVAL_MS above " + drain
                    + " or lower SINK_DRAIN_TIMEOUT_MS");
        }
        if (worstBatch > interval) {
            warning("SINK_STATEMENT_TIMEOUT_MS=" + sink.statementTimeoutMs() + " lets one batch run up to "
                    + worstBatch + " ms, longer than KAFKA_MAX_POLL_INTERVAL_MS=" + interval + ": steady-sink keeps"
                    + " polling meanwhile, but a batch still running when its partition is revoked is abandoned and"
                    + " re-delivered; lower SINK_STATEMENT_TIMEOUT_MS if batches should finish within a poll interval");
        }
        if (worstBatch > drain) {
            warning("SINK_STATEMENT_TIMEOUT_MS=" + sink.statementTimeoutMs() + " lets one batch run up to "
                    + worstBatch + " ms, longer than SINK_DRAIN_TIMEOUT_MS=" + drain + ": a slow batch of a revoked"
                    + " partition or at shutdown is abandoned uncommitted and written again by the next owner;"
                    + " raise SINK_DRAIN_TIMEOUT_MS or lower SINK_STATEMENT_TIMEOUT_MS to finish it instead");
        }
    }

    private void workersAndPool() {
        if (sink.workers() > poolSize) {
            error("SINK_WORKERS=" + sink.workers() + " is larger than QUARKUS_DATASOURCE_JDBC_MAX_SIZE=" + poolSize
                    + ": workers would queue for connections and time out; lower SINK_WORKERS or raise"
                    + " QUARKUS_DATASOURCE_JDBC_MAX_SIZE to at least " + sink.workers());
        }
    }

    private void sourceTopics() {
        for (String source : sink.subscribedTopics()) {
            if (!TOPIC_NAME.matcher(source).matches() || source.equals(".") || source.equals("..")) {
                error("the topic '" + source + "' (" + (sink.topics().orElse(List.of()).contains(source)
                        ? "SINK_TOPICS"
                        : "a route in SINK_ROUTES_FILE")
                        + ") is not a valid Kafka topic name: use 1 to 249 of the characters a-z A-Z 0-9 . _ -");
            }
        }
    }

    private void schemaRegistry() {
        List<String> readers = new TreeMap<>(sink.routes()).entrySet().stream()
                .filter(route -> RecordFormat.parse(route.getValue().valueFormat()).map(RecordFormat::registered)
                        .orElse(false)
                        || RecordFormat.parse(route.getValue().keyFormat()).map(RecordFormat::registered).orElse(false))
                .map(Map.Entry::getKey).toList();
        Optional<String> url = sink.schemaRegistryUrl().map(String::trim).filter(text -> !text.isEmpty());
        if (url.isEmpty()) {
            if (!readers.isEmpty()) {
                error("route" + (readers.size() == 1 ? " " : "s ") + String.join(", ", readers)
                        + " read records through the schema registry, and SINK_SCHEMA_REGISTRY_URL is not set: set"
                        + " it to the registry's Confluent-compatible API, e.g. http://registry:8080/apis/ccompat/v7");
            }
            return;
        }
        try {
            URI uri = new URI(url.get());
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw new URISyntaxException(url.get(), "not an http(s) URL with a host");
            }
            if (uri.getUserInfo() != null) {
                error("SINK_SCHEMA_REGISTRY_URL holds credentials: set SINK_SCHEMA_REGISTRY_USERNAME and"
                        + " SINK_SCHEMA_REGISTRY_PASSWORD (from a Secret) instead");
            }
        } catch (URISyntaxException e) {
            error("SINK_SCHEMA_REGISTRY_URL='" + url.get() + "' is not an http(s) URL: " + e.getReason()
                    + "; e.g. http://registry:8080/apis/ccompat/v7");
        }
        if (sink.schemaRegistryPassword().isPresent() && sink.schemaRegistryUsername().isEmpty()) {
            error("SINK_SCHEMA_REGISTRY_PASSWORD is set without SINK_SCHEMA_REGISTRY_USERNAME: set both for basic"
                    + " authentication");
        }
        if (sink.schemaRegistryTimeoutMs() <= 0) {
            error("SINK_SCHEMA_REGISTRY_TIMEOUT_MS=" + sink.schemaRegistryTimeoutMs() + " is not positive: set the"
                    + " milliseconds one request to the registry may take, e.g. 10000");
        }
        if (readers.isEmpty()) {
            warning("SINK_SCHEMA_REGISTRY_URL is set, but no route reads avro, protobuf or json-schema:"
                    + " set value-format (or key-format) on the routes whose records the registry describes");
        }
    }

    private void deadLetterTopic() {
        if (strategy() != FailureStrategy.DEAD_LETTER_QUEUE) {
            return;
        }
        String topic = sink.dlqTopic();
        if (topic.isBlank()) {
            return; // reported by SinkSettings
        }
        if (!TOPIC_NAME.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            error("SINK_DLQ_TOPIC='" + topic + "' is not a valid Kafka topic name: use 1 to 249 of the characters"
                    + " a-z A-Z 0-9 . _ -");
        } else if (sink.subscribedTopics().contains(topic)) {
            error("SINK_DLQ_TOPIC='" + topic + "' is also " + (sink.topics().orElse(List.of()).contains(topic)
                    ? "in SINK_TOPICS"
                    : "a topic of a route in SINK_ROUTES_FILE")
                    + ": dead-lettered records would be consumed again and loop; name a separate topic, e.g."
                    + " SINK_DLQ_TOPIC=" + topic + "-dlq");
        }
    }

    private void stallBudget() {
        if (sink.statementTimeoutMs() >= sink.stallBudgetMs()) {
            warning("SINK_STATEMENT_TIMEOUT_MS=" + sink.statementTimeoutMs() + " is not below SINK_STALL_BUDGET_MS="
                    + sink.stallBudgetMs() + ": one statement waiting on a lock will be reported as a stall (liveness"
                    + " DOWN, pod restarted); keep the statement timeout well below the stall budget");
        }
    }

    private void delayedRetry() {
        if (strategy() == FailureStrategy.DELAYED_RETRY_TOPIC) {
            error("SINK_FAILURE_STRATEGY=delayed-retry-topic would park poison records in retry topics that nothing"
                    + " consumes: the connector re-reads them only for record-at-a-time channels and steady-sink's"
                    + " channel is batched; use dead-letter-queue and, once the cause is fixed, the"
                    + " replay-dead-letters command");
        }
    }

    private void autoCommit() {
        if ("true".equalsIgnoreCase(kafka.getOrDefault("enable.auto.commit", "false").trim())) {
            error("KAFKA_ENABLE_AUTO_COMMIT=true would commit offsets of records not yet written to PostgreSQL and"
                    + " lose them on a crash; unset it (steady-sink commits only what is in the table)");
        }
    }

    /**
     * The worst case of records held in memory at once, from the settings as the channel applies them.
     * The default pause threshold is the connector's; fetch and poll sizes default to the Kafka
     * client's when the channel does not set them.
     */
    public static MemoryBudget memoryBudget(SinkConfig sink, Map<String, String> kafka, long heapBytes) {
        return new MemoryBudget(heapBytes, sink.workers(),
                (int) positive(kafka, QUEUE_FACTOR, MemoryBudget.DEFAULT_QUEUE_FACTOR),
                (int) positive(kafka, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        clientDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)),
                sink.maxRecordBytes(), positive(kafka, ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
                        clientDefault(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)));
    }

    private void memory() {
        for (String key : List.of(QUEUE_FACTOR, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG)) {
            if (kafka.containsKey(key) && positive(kafka, key, -1) == -1) {
                error((key.equals(QUEUE_FACTOR) ? "mp.messaging.incoming.events." + key : variable(key)) + "='"
                        + kafka.get(key) + "' is not a positive whole number: set one");
            }
        }
        MemoryBudget budget = memoryBudget(sink, kafka, heapBytes);
        if (!budget.fits()) {
            error("records in flight may need more heap than the JVM has: " + budget.describe() + "; lower"
                    + " KAFKA_FETCH_MAX_BYTES, KAFKA_MAX_POLL_RECORDS, SINK_WORKERS or SINK_MAX_RECORD_BYTES, or raise"
                    + " the memory limit (the heap is MaxRAMPercentage of it; docs/configuration.md, Memory budget)");
        }
    }

    /** The property as a positive whole number, {@code fallback} when unset or anything else. */
    private static long positive(Map<String, String> kafka, String key, long fallback) {
        try {
            String value = kafka.get(key);
            long number = value == null ? fallback : Long.parseLong(value.trim());
            return number > 0 ? number : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The failure strategy, or {@code null} when it names none ({@link SinkSettings} reports that). */
    private FailureStrategy strategy() {
        return FailureStrategy.parse(sink.failureStrategy()).orElse(null);
    }

    /** The consumer property {@code key} as set, or the Kafka client's default when unset or not a number. */
    private long number(String key) {
        String value = kafka.get(key);
        if (value == null || value.isBlank()) {
            return clientDefault(key);
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            error(variable(key) + "='" + value + "' is not a number of milliseconds: set a whole number");
            return clientDefault(key);
        }
    }

    /**
     * The Kafka consumer's own default for the numeric property {@code key}, e.g. 45000 for
     * {@code session.timeout.ms}.
     */
    static long clientDefault(String key) {
        return ((Number) ConsumerConfig.configDef().defaultValues().get(key)).longValue();
    }

    /** The environment variable that sets Kafka property {@code key}. */
    static String variable(String key) {
        return "KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private void error(String message) {
        findings.add(new Finding(Severity.ERROR, message));
    }

    private void warning(String message) {
        findings.add(new Finding(Severity.WARNING, message));
    }
}
