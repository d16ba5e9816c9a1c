package io.steadysink.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/**
 * Every meter steady-sink exports, declared once with its name, description and tags. Tags carry
 * topics, partitions and outcomes, never record keys. Gauges over suppliers hold them strongly:
 * Micrometer keeps a weak reference by default, and a lambda nobody else holds would be collected,
 * leaving the gauge at NaN.
 * <p>
 * It knows no other steady-sink type: callers hand it plain values, and the composition root what
 * is known at start-up ({@link StartupSeries}). Longer than most classes on purpose: the one place
 * where every meter's name, description and tags are declared grows with the meters.
 */
public class SinkMetrics {

    public static final String RECORDS_WRITTEN = "steady_sink_records_written";
    public static final String BATCH_WRITE = "steady_sink_batch_write";
    /** Timers of a batch's way to the table, one sample per batch (per transaction for the last two). */
    public static final String BATCH_AGE_AT_POLL = "steady_sink_batch_age_at_poll";
    public static final String BATCH_QUEUED = "steady_sink_batch_queued";
    public static final String BATCH_STATEMENTS = "steady_sink_batch_statements";
    public static final String BATCH_COMMIT = "steady_sink_batch_commit";
    /** The largest finite bucket of the age-at-poll and queued histograms: a consumer catching up sees hours. */
    static final Duration BATCH_WAIT_HISTOGRAM_MAX = Duration.ofHours(1);
    public static final String REBALANCES = "steady_sink_rebalances";
    public static final String GROUP_GENERATION = "steady_sink_group_generation";
    public static final String IN_FLIGHT_BATCHES = "steady_sink_in_flight_batches";
    public static final String DB_RETRIES = "steady_sink_db_retries";
    public static final String STATEMENT_TIMEOUTS = "steady_sink_statement_timeouts";
    public static final String RECORDS_DEAD_LETTERED = "steady_sink_records_dead_lettered";
    public static final String RECORDS_SKIPPED = "steady_sink_records_skipped";
    public static final String LAG_RECORDS = "steady_sink_lag_records";
    public static final String LAG_SECONDS = "steady_sink_lag_seconds";
    public static final String LAG_STATUS = "steady_sink_lag_status";
    public static final String CONSUMER_STATE = "steady_sink_consumer_state";
    public static final String PAUSED_PARTITIONS = "steady_sink_paused_partitions";
    public static final String POLL_INTERVAL_MARGIN = "steady_sink_poll_interval_margin_seconds";
    public static final String OLDEST_IN_FLIGHT = "steady_sink_oldest_in_flight_seconds";
    public static final String SOURCE_TOPIC_MISSING = "steady_sink_source_topic_missing";
    public static final String ROUTE_RECORDS_WRITTEN = "steady_sink_route_records_written";
    public static final String ROUTE_LAG_RECORDS = "steady_sink_route_lag_records";
    public static final String ROUTE_LAG_SECONDS = "steady_sink_route_lag_seconds";
    /** A timer: in Prometheus {@code steady_sink_replication_lag_seconds_bucket}, {@code _count}, {@code _sum}. */
    public static final String REPLICATION_LAG = "steady_sink_replication_lag";
    /**
     * The newest committed batch's largest replication lag. Not {@code steady_sink_replication_lag_seconds}:
     * that is the Prometheus name of the timer's histogram.
     */
    /** The replication lag histogram's largest finite bucket: lags above it fall into {@code +Inf} only. */
    static final Duration REPLICATION_LAG_HISTOGRAM_MAX = Duration.ofHours(1);
    public static final String REPLICATION_LAG_LATEST = "steady_sink_replication_lag_latest_seconds";

    /**
     * What a rebalance did to this member: partitions assigned, revoked, or lost (taken away without
     * a revocation because the member was no longer in the group).
     */
    public enum RebalanceKind {
        ASSIGNED, REVOKED, LOST;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The series that exist from start-up at 0 (so {@code rate()} sees the first count): per topic,
     * records written, records dead-lettered by every poison reason to the failure strategy, and
     * whether the topic is missing; records skipped in the mode.
     */
    public record StartupSeries(List<String> topics, List<String> poisonReasons, String failureStrategy,
            String mode, List<RouteSeries> routes) {

        public StartupSeries(List<String> topics, List<String> poisonReasons, String failureStrategy, String mode) {
            this(topics, poisonReasons, failureStrategy, mode, List.of());
        }
    }

    /**
     * A route of the route file: its name, its table, the topics it takes, and whether its records are
     * change events (which have a replication lag).
     */
    public record RouteSeries(String route, String table, List<String> topics, boolean changeEvents) {

        public RouteSeries(String route, String table, List<String> topics) {
            this(route, table, topics, false);
        }
    }

    /** One assigned partition's lag, as the lag gauges show it. */
    public record PartitionLagRow(String topic, int partition, long records, double seconds, int status) {
    }

    private final MeterRegistry registry;
    private final Timer batchWrite;
    private final Timer batchAgeAtPoll;
    private final Timer batchQueued;
    private final Timer batchStatements;
    private final Timer batchCommit;
    private final Map<RebalanceKind, LongAdder> rebalances = new EnumMap<>(RebalanceKind.class);
    private final AtomicInteger generation = new AtomicInteger(-1);
    private final LongAdder databaseRetries;
    private final LongAdder statementTimeouts;
    /** Every counter's count, by its name and tags: held here, read by the registry at each scrape. */
    private final Map<Meter.Id, LongAdder> counts = new ConcurrentHashMap<>();
    private final MultiGauge lagRecords;
    private final MultiGauge lagSeconds;
    private final MultiGauge lagStatus;
    private final Map<String, AtomicInteger> missingTopics = new ConcurrentHashMap<>();
    private final List<RouteSeries> routes;
    private final MultiGauge routeLagRecords;
    private final MultiGauge routeLagSeconds;
    private final Map<String, ReplicationLagMeters> replicationLags = new ConcurrentHashMap<>();

    /** A change-events route's replication lag meters: every lag, and the newest batch's largest (ms). */
    private record ReplicationLagMeters(Timer lags, AtomicLong latestMillis) {
    }

    public SinkMetrics(MeterRegistry registry, StartupSeries startup) {
        this.registry = registry;
        this.batchWrite = Timer.builder(BATCH_WRITE)
                .description("Time to write and commit one batch in PostgreSQL")
                .publishPercentileHistogram()
                .register(registry);
        this.batchAgeAtPoll = Timer.builder(BATCH_AGE_AT_POLL)
                .description("Age of a batch's oldest record when the consumer polled it (wall clock minus the"
                        + " record's timestamp): its time in the topic before the poll")
                .publishPercentileHistogram()
                .maximumExpectedValue(BATCH_WAIT_HISTOGRAM_MAX)
                .register(registry);
        this.batchQueued = Timer.builder(BATCH_QUEUED)
                .description("Time from the poll that fetched a batch to a worker beginning to write it: the"
                        + " connector's queue, which hands a batch on only when a worker is free")
                .publishPercentileHistogram()
                .maximumExpectedValue(BATCH_WAIT_HISTOGRAM_MAX)
                .register(registry);
        this.batchStatements = Timer.builder(BATCH_STATEMENTS)
                .description("Time of a batch transaction's statements, from taking a connection to before its"
                        + " commit")
                .publishPercentileHistogram()
                .register(registry);
        this.batchCommit = Timer.builder(BATCH_COMMIT)
                .description("Time of a batch transaction's commit (PostgreSQL's WAL flush)")
                .publishPercentileHistogram()
                .register(registry);
        for (RebalanceKind kind : RebalanceKind.values()) {
            rebalances.put(kind, counter(REBALANCES, "Rebalances that changed this member's partitions, by kind:"
                    + " assigned, revoked, lost (taken away without a revocation: the member had dropped out of the"
                    + " group)", null, Tags.of("kind", kind.tag())));
        }
        databaseRetries = counter(DB_RETRIES, "Batch writes retried after a transient database error", "retries",
                Tags.empty());
        statementTimeouts = counter(STATEMENT_TIMEOUTS, "Write statements PostgreSQL cancelled at"
                + " SINK_STATEMENT_TIMEOUT_MS; the write is retried, in halves down to single records when it keeps"
                + " timing out", null, Tags.empty());
        lagRecords = MultiGauge.builder(LAG_RECORDS)
                .description("Records between the group's committed offset and the log end, per assigned partition")
                .baseUnit("records")
                .register(registry);
        lagSeconds = MultiGauge.builder(LAG_SECONDS)
                .description("Age of the oldest record not yet committed (0 when caught up), per assigned partition")
                .baseUnit("seconds")
                .register(registry);
        lagStatus = MultiGauge.builder(LAG_STATUS)
                .description("Burrow-style lag status per assigned partition: 0 OK, 1 WARN (lag keeps growing), "
                        + "2 STALL (committed offset stuck while working), 3 STOP (nothing happens)")
                .register(registry);
        Gauge.builder(GROUP_GENERATION, generation, AtomicInteger::get)
                .description("Consumer group generation at the last assignment (-1 before joining)")
                .register(registry);
        routes = List.copyOf(startup.routes());
        routeLagRecords = MultiGauge.builder(ROUTE_LAG_RECORDS)
                .description("Records between the group's committed offset and the log end, summed over the"
                        + " assigned partitions of the topics a route takes, per route and table")
                .baseUnit("records")
                .register(registry);
        routeLagSeconds = MultiGauge.builder(ROUTE_LAG_SECONDS)
                .description("Age of the oldest record not yet committed among the assigned partitions of the"
                        + " topics a route takes (0 when caught up), per route and table")
                .baseUnit("seconds")
                .register(registry);
        for (RouteSeries route : routes) {
            routeRecordsWritten(route);
            if (route.changeEvents()) {
                replicationLag(route.route(), route.table());
            }
        }
        recordsSkipped(startup.mode());
        for (String topic : startup.topics()) {
            recordsWritten(topic);
            missingTopic(topic);
            for (String reason : startup.poisonReasons()) {
                poisonRecords(topic, reason, startup.failureStrategy());
            }
        }
    }

    /** Publishes the number of batches being written, as counted by {@code running}. */
    public void inFlightBatches(IntSupplier running) {
        Gauge.builder(IN_FLIGHT_BATCHES, running, IntSupplier::getAsInt)
                .description("Batches being written to PostgreSQL right now")
                .baseUnit("batches")
                .strongReference(true)
                .register(registry);
    }

    /** Publishes 1 for the consumer's current state and 0 for every other state of {@code states}. */
    public <S extends Enum<S>> void consumerState(Class<S> states, Supplier<S> current) {
        for (S state : states.getEnumConstants()) {
            Gauge.builder(CONSUMER_STATE, current, supplier -> supplier.get() == state ? 1 : 0)
                    .description("1 for the consumer's current state (the one the health checks report), 0 otherwise")
                    .tag("state", state.name())
                    .strongReference(true)
                    .register(registry);
        }
    }

    /** Publishes the consumer's gauges that the monitor keeps up to date. */
    public void consumerGauges(IntSupplier paused, DoubleSupplier pollMarginSeconds,
            DoubleSupplier oldestInFlightSeconds) {
        Gauge.builder(PAUSED_PARTITIONS, paused, IntSupplier::getAsInt)
                .description("Partitions the connector paused because its queue of batches is full (backpressure)")
                .baseUnit("partitions")
                .strongReference(true)
                .register(registry);
        Gauge.builder(POLL_INTERVAL_MARGIN, pollMarginSeconds, DoubleSupplier::getAsDouble)
                .description("max.poll.interval.ms minus the time since the last poll; eviction when it reaches 0")
                .strongReference(true)
                .register(registry);
        Gauge.builder(OLDEST_IN_FLIGHT, oldestInFlightSeconds, DoubleSupplier::getAsDouble)
                .description("Age of the longest-running batch write (0 when none runs)")
                .strongReference(true)
                .register(registry);
    }

    /** Sets whether source {@code topic} is missing: the broker said it does not exist. */
    public void sourceTopicMissing(String topic, boolean missing) {
        missingTopic(topic).set(missing ? 1 : 0);
    }

    private AtomicInteger missingTopic(String topic) {
        return missingTopics.computeIfAbsent(topic, name -> {
            AtomicInteger missing = new AtomicInteger();
            Gauge.builder(SOURCE_TOPIC_MISSING, missing, AtomicInteger::get)
                    .description("1 while the source topic does not exist (the consumer waits for it: state"
                            + " WAITING_FOR_TOPIC), 0 otherwise")
                    .tag("topic", name)
                    .strongReference(true)
                    .register(registry);
            return missing;
        });
    }

    /** Replaces the per-partition lag series with {@code partitions} (partitions not listed disappear). */
    public void lag(List<PartitionLagRow> partitions) {
        lagRecords.register(partitions.stream().map(p -> MultiGauge.Row.of(tags(p), p.records())).toList(), true);
        lagSeconds.register(partitions.stream().map(p -> MultiGauge.Row.of(tags(p), p.seconds())).toList(), true);
        lagStatus.register(partitions.stream().map(p -> MultiGauge.Row.of(tags(p), p.status())).toList(), true);
        if (!routes.isEmpty()) {
            List<MultiGauge.Row<?>> records = new ArrayList<>();
            List<MultiGauge.Row<?>> seconds = new ArrayList<>();
            for (RouteSeries route : routes) {
                Tags tags = Tags.of("route", route.route(), "table", route.table());
                List<PartitionLagRow> taken = partitions.stream().filter(p -> route.topics().contains(p.topic()))
                        .toList();
                records.add(MultiGauge.Row.of(tags, taken.stream().mapToLong(PartitionLagRow::records).sum()));
                seconds.add(MultiGauge.Row.of(tags, taken.stream().mapToDouble(PartitionLagRow::seconds).max()
                        .orElse(0)));
            }
            routeLagRecords.register(records, true);
            routeLagSeconds.register(seconds, true);
        }
    }

    private static Tags tags(PartitionLagRow lag) {
        return Tags.of("topic", lag.topic(), "partition", Integer.toString(lag.partition()));
    }

    /**
     * Counts records of a written batch that changed no row: already present (append: a replay) or
     * older than the row (upsert: stale by the offset guard, or superseded within the batch).
     */
    public void recordsSkipped(String mode, long count) {
        if (count > 0) {
            recordsSkipped(mode).add(count);
        }
    }

    private LongAdder recordsSkipped(String mode) {
        return counter(RECORDS_SKIPPED, "Records written that changed no row: replays in append mode, stale or"
                + " superseded writes in upsert mode", null, Tags.of("mode", mode));
    }

    public void rebalance(RebalanceKind kind) {
        rebalances.get(kind).increment();
    }

    public void databaseRetry() {
        databaseRetries.increment();
    }

    public void statementTimeout() {
        statementTimeouts.increment();
    }

    public void groupGeneration(int generationId) {
        generation.set(generationId);
    }

    /**
     * Records a batch a worker begins: how long it waited since its poll, and how old its oldest record
     * was at the poll (when known).
     */
    public void batchStarted(Duration queued, Optional<Duration> oldestRecordAgeAtPoll) {
        batchQueued.record(queued);
        oldestRecordAgeAtPoll.ifPresent(batchAgeAtPoll::record);
    }

    /** Records a committed transaction: the time of its statements and of its commit. */
    public void transactionCommitted(Duration statements, Duration commit) {
        batchStatements.record(statements);
        batchCommit.record(commit);
    }

    /** Records a committed batch: its write time, and its records per topic ({@code topics}: each one's). */
    public void batchWritten(List<String> topics, Duration took) {
        batchWrite.record(took);
        Map<String, Integer> perTopic = new HashMap<>();
        for (String topic : topics) {
            perTopic.merge(topic, 1, Integer::sum);
        }
        perTopic.forEach((topic, count) -> recordsWritten(topic).add(count));
        for (RouteSeries route : routes) {
            int count = route.topics().stream().mapToInt(topic -> perTopic.getOrDefault(topic, 0)).sum();
            if (count > 0) {
                routeRecordsWritten(route).add(count);
            }
        }
    }

    /**
     * Records the replication lags of a committed batch's change events that {@code route} wrote: each
     * into the timer, the largest as the newest batch's lag, per route and table (a route whose table
     * is a pattern has series per table). {@code table} tags a route not known at start-up; a known
     * route of one table keeps the table it was registered with.
     */
    public void replicationLag(String route, String table, List<Duration> lags) {
        if (lags.isEmpty()) {
            return;
        }
        List<String> tables = routes.stream().filter(r -> r.route().equals(route)).map(RouteSeries::table).toList();
        String tag = tables.size() == 1 && !tables.contains(table) ? tables.get(0) : table;
        ReplicationLagMeters meters = replicationLag(route, tag);
        long max = 0;
        for (Duration lag : lags) {
            meters.lags().record(lag);
            max = Math.max(max, lag.toMillis());
        }
        meters.latestMillis().set(max);
    }

    private ReplicationLagMeters replicationLag(String route, String table) {
        return replicationLags.computeIfAbsent(route + " " + table, name -> {
            Tags tags = Tags.of("route", route, "table", table);
            Timer lags = Timer.builder(REPLICATION_LAG)
                    .description("Replication lag of each change event a route wrote: from its source transaction's"
                            + " commit (source.ts_ms) to the commit of the batch that wrote it, by route and table")
                    .tags(tags)
                    .publishPercentileHistogram()
                    .maximumExpectedValue(REPLICATION_LAG_HISTOGRAM_MAX)
                    .register(registry);
            AtomicLong latest = new AtomicLong();
            Gauge.builder(REPLICATION_LAG_LATEST, latest, millis -> millis.get() / 1000.0)
                    .description("The largest replication lag (source commit to target commit) among the change"
                            + " events of the newest committed batch a route wrote into, by route and table")
                    .baseUnit("seconds")
                    .tags(tags)
                    .strongReference(true)
                    .register(registry);
            return new ReplicationLagMeters(lags, latest);
        });
    }

    private LongAdder routeRecordsWritten(RouteSeries route) {
        return counter(ROUTE_RECORDS_WRITTEN, "Records a route wrote into its table (replays included), by route"
                + " and table", null, Tags.of("route", route.route(), "table", route.table()));
    }

    /** Counts a poison record handed to the failure {@code strategy}, tagged by the rule it broke. */
    public void poisonRecord(String topic, String reason, String strategy) {
        poisonRecords(topic, reason, strategy).increment();
    }

    private LongAdder poisonRecords(String topic, String reason, String strategy) {
        return counter(RECORDS_DEAD_LETTERED, "Poison records taken out of the stream and handed to the failure"
                + " strategy (the dead-letter topic unless SINK_FAILURE_STRATEGY says otherwise), by source topic,"
                + " the rule the record broke and the strategy", null,
                Tags.of("topic", topic, "reason", reason, "strategy", strategy));
    }

    private LongAdder recordsWritten(String topic) {
        return counter(RECORDS_WRITTEN, "Records written to PostgreSQL (replays included), by source topic", null,
                Tags.of("topic", topic));
    }

    /**
     * The count behind counter {@code name} with {@code tags}, registered on first use. The count is
     * kept here and read at each scrape: a count taken before the application's registries are
     * attached (a rebalance or the first batches during start-up) would otherwise be lost.
     */
    private LongAdder counter(String name, String description, String baseUnit, Tags tags) {
        return counts.computeIfAbsent(new Meter.Id(name, tags, baseUnit, description, Meter.Type.COUNTER), id -> {
            LongAdder count = new LongAdder();
            FunctionCounter.builder(name, count, LongAdder::doubleValue)
                    .description(description)
                    .baseUnit(baseUnit)
                    .tags(tags)
                    .register(registry);
            return count;
        });
    }
}
