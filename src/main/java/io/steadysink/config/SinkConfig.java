package io.steadysink.config;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What to consume and where to write it. Each abstract method is one {@code SINK_*} environment
 * variable, and its {@code @WithDefault} is the one place its default is declared (tests build their
 * configuration from this mapping too); {@link StartupConfigCheck} rejects bad values before the
 * consumer starts.
 * <p>
 * The mode and the failure strategy are read as written and parsed by {@link #parsedMode()} and
 * {@link #parsedFailureStrategy()}, not converted by the mapping: a value the mapping could not
 * convert would stop start-up with SmallRye Config's own message before the config doctor runs,
 * instead of one line naming the variable and its choices next to every other problem.
 */
@ConfigMapping(prefix = "sink")
public interface SinkConfig {

    /** {@code SINK_TOPICS}: comma-separated topics to consume. Required. */
    Optional<List<String>> topics();

    /** {@code SINK_GROUP_ID}: Kafka consumer group shared by every replica. */
    @WithDefault("steady-sink")
    String groupId();

    /**
     * {@code SINK_AUTO_OFFSET_RESET}: where a group without committed offsets starts, {@code earliest}
     * (replay history) or {@code latest} (only new records). No default outside dev and test: a
     * silent {@code latest} loses data.
     */
    Optional<String> autoOffsetReset();

    /**
     * {@code SINK_MODE}: {@code append} (event log) or {@code upsert} (latest state per key), any case;
     * as written.
     */
    @WithDefault("append")
    String mode();

    /**
     * {@link #mode()} parsed.
     *
     * @throws IllegalArgumentException when it names no mode (the config doctor refuses to start then)
     */
    default SinkMode parsedMode() {
        return SinkMode.of(mode());
    }

    /** {@code SINK_TABLE}: target table, a lower-case SQL identifier; created by the migrations. */
    @WithDefault("sink_events")
    String table();

    /** {@code SINK_WORKERS}: size of the worker pool writing batches in parallel. */
    @WithDefault("4")
    int workers();

    /** {@code SINK_DLQ_TOPIC}: dead-letter topic of the {@code dead-letter-queue} strategy. */
    @WithDefault("steady-sink-dlq")
    String dlqTopic();

    /**
     * {@code SINK_FAILURE_STRATEGY}: the connector failure strategy that receives each poison record:
     * {@code dead-letter-queue}, {@code fail} or {@code ignore} ({@code delayed-retry-topic} is
     * refused by the config doctor: a batched channel never reads its retry topics); as written, which
     * is also how the channel's {@code failure-strategy} receives it.
     */
    @WithDefault("dead-letter-queue")
    String failureStrategy();

    /**
     * {@link #failureStrategy()} parsed.
     *
     * @throws IllegalArgumentException when it names no strategy (the config doctor refuses to start then)
     */
    default FailureStrategy parsedFailureStrategy() {
        return FailureStrategy.of(failureStrategy());
    }

    /** {@code SINK_MAX_RECORD_BYTES}: largest record value written; larger ones are poison records. */
    @WithDefault("1048576")
    int maxRecordBytes();

    /**
     * {@code SINK_STATEMENT_TIMEOUT_MS}: PostgreSQL {@code statement_timeout} for each statement of a
     * batch write (COPY, then merge).
     */
    @WithDefault("10000")
    long statementTimeoutMs();

    /**
     * {@code SINK_DRAIN_TIMEOUT_MS}: how long revoked partitions and a shutdown wait for in-flight
     * batches to finish before they are abandoned uncommitted (and re-delivered). When unset,
     * {@value ConfigDoctor#DEFAULT_DRAIN_TIMEOUT_MS} or half of {@code KAFKA_MAX_POLL_INTERVAL_MS},
     * whichever is less ({@link ConfigDoctor#drainTimeoutMs}), so that a short poll interval alone is
     * never refused.
     */
    Optional<Long> drainTimeoutMs();

    /** {@code SINK_RETRY_BACKOFF_INITIAL_MS}: first wait before retrying a transient database error. */
    @WithDefault("200")
    long retryBackoffInitialMs();

    /** {@code SINK_RETRY_BACKOFF_MAX_MS}: longest wait between retries (the backoff doubles up to it). */
    @WithDefault("30000")
    long retryBackoffMaxMs();

    /**
     * {@code SINK_STARTUP_WAIT_MS}: how long start-up waits, in all, for PostgreSQL and the Kafka
     * broker to answer (retrying with the backoff above, at most 5 s apart) before it gives up with
     * exit code 3. Keep it below the startupProbe's window: HTTP is not up while start-up waits.
     */
    @WithDefault("180000")
    long startupWaitMs();

    /**
     * {@code SINK_STALL_BUDGET_MS}: how long a batch may go without progress (no write attempt ending,
     * no poison record handed over) before liveness reports the consumer stalled.
     */
    @WithDefault("120000")
    long stallBudgetMs();

    /**
     * {@code SINK_REJECTIONS_MIN}: the fewest PostgreSQL rejections that stop the consumer as a schema
     * problem instead of dead-lettering them: this many records in a row rejected with the same
     * SQLSTATE, table, constraint and column (none written between them), or this many in the
     * window when they are more than {@link #rejectionsMaxRatio()} of it. 0 turns the breaker off.
     */
    @WithDefault("10")
    int rejectionsMin();

    /**
     * {@code SINK_REJECTIONS_MAX_RATIO}: the largest share of the last {@link #rejectionsWindow()}
     * records PostgreSQL judged that it may reject before the consumer stops (1 never stops on it).
     */
    @WithDefault("0.5")
    double rejectionsMaxRatio();

    /** {@code SINK_REJECTIONS_WINDOW}: how many of the latest records written or rejected the ratio covers. */
    @WithDefault("1000")
    int rejectionsWindow();

    /** {@code SINK_LAG_INTERVAL_MS}: how often lag (log end, committed offsets) is read from Kafka. */
    @WithDefault("5000")
    long lagIntervalMs();

    /** {@code SINK_SESSION_TIMEOUT_MIN_MS}: the broker's {@code group.min.session.timeout.ms}. */
    @WithDefault("6000")
    long sessionTimeoutMinMs();

    /** {@code SINK_SESSION_TIMEOUT_MAX_MS}: the broker's {@code group.max.session.timeout.ms}. */
    @WithDefault("300000")
    long sessionTimeoutMaxMs();

    /**
     * {@code SINK_ROUTES_FILE}: path of the route file (YAML) that writes topics into the user's own
     * typed tables (docs/routes.md). Its top-level {@code routes:} are read as {@link #routes()}.
     * Without it, {@code SINK_TOPICS}, {@code SINK_TABLE} and {@code SINK_MODE} are the one route.
     */
    Optional<String> routesFile();

    /**
     * The routes of the route file by name ({@code sink.routes.<name>.*}); empty without one. Not an
     * environment variable of its own: the route file's settings (docs/routes.md).
     */
    Map<String, RouteSettings> routes();

    /**
     * Whether {@code SINK_TOPICS} names topics for the fixed-shape table ({@code SINK_TABLE}); with a
     * route file it may be left unset, and then only the routes write.
     */
    default boolean hasDefaultRoute() {
        return topics().map(topics -> !topics.isEmpty()).orElse(false);
    }

    /** Every topic consumed: {@code SINK_TOPICS}, then each route's topics, without repeats. */
    default List<String> subscribedTopics() {
        LinkedHashSet<String> all = new LinkedHashSet<>(topics().orElse(List.of()));
        new TreeMap<>(routes()).values().forEach(route -> all.addAll(route.topics()));
        return List.copyOf(all);
    }

    /**
     * {@code SINK_ROUTES_ALTER_TABLES}: when {@code true}, start-up adds to routed tables the columns
     * and unique constraints exactly-once needs, and creates a missing table whose route declares
     * every column's type (the statements start-up prints otherwise).
     */
    @WithDefault("false")
    boolean routesAlterTables();

    /**
     * {@code SINK_SCHEMA_REGISTRY_URL}: the schema registry's Confluent-compatible API, e.g.
     * {@code http://registry:8080/apis/ccompat/v7} (Apicurio) or {@code http://schema-registry:8081}
     * (Confluent); needed by routes whose {@code value-format} or {@code key-format} is {@code avro},
     * {@code protobuf} or {@code json-schema}.
     */
    Optional<String> schemaRegistryUrl();

    /** {@code SINK_SCHEMA_REGISTRY_USERNAME}: HTTP basic authentication to the registry, with the password. */
    Optional<String> schemaRegistryUsername();

    /** {@code SINK_SCHEMA_REGISTRY_PASSWORD}: the registry user's password (from a Secret; never logged). */
    Optional<String> schemaRegistryPassword();

    /**
     * {@code SINK_SCHEMA_REGISTRY_TIMEOUT_MS}: how long one request to the registry may take, connecting
     * included, before it counts as unanswered (the batch is retried).
     */
    @WithDefault("10000")
    long schemaRegistryTimeoutMs();
}
