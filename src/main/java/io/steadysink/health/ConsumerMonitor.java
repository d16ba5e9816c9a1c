package io.steadysink.health;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.steadysink.config.Channels;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.consumer.InFlightBatches;
import io.steadysink.failure.FatalStop;
import io.steadysink.metrics.SinkMetrics;

/**
 * The consumer state machine behind the probes and the lag metrics. Facts arrive from the
 * rebalance listener, the writers and the failure handling; a background thread derives the
 * {@link ConsumerState} every second and reads lag from Kafka every {@code SINK_LAG_INTERVAL_MS}
 * (log end and committed offsets through an admin client, so the consumer never waits for it).
 * Health checks only read the latest {@link Snapshot}: no I/O in a probe.
 */
@ApplicationScoped
public class ConsumerMonitor {

    private static final Logger LOG = Logger.getLogger(ConsumerMonitor.class);
    private static final Duration EVALUATION = Duration.ofSeconds(1);

    /** Everything the probes and gauges show, as of the last evaluation. */
    public record Snapshot(ConsumerState state, String reason, boolean started, boolean brokerReachable,
            Duration lastPollAge, Duration maxPollInterval, Duration oldestInFlight, int pausedPartitions,
            List<PartitionLag> lag) {

        /** Why liveness is DOWN, or empty when a restart would not help. */
        public Optional<String> livenessProblem() {
            if (state == ConsumerState.FAILED || state == ConsumerState.STALLED) {
                return Optional.of(reason);
            }
            if (started && lastPollAge.compareTo(maxPollInterval) > 0) {
                return Optional.of("the poll loop has been silent for " + lastPollAge.toSeconds()
                        + " s, more than max.poll.interval.ms=" + maxPollInterval.toMillis());
            }
            return Optional.empty();
        }

        /** Why readiness is DOWN, or empty when the replica is ready. */
        public Optional<String> readinessProblem() {
            if (!state.ready()) {
                return Optional.of(reason);
            }
            if (!brokerReachable) {
                return Optional.of("the Kafka broker is unreachable");
            }
            return Optional.empty();
        }
    }

    private final SinkConfig config;
    private final FatalStop fatal;
    private final InFlightBatches inFlight;
    private final SinkMetrics metrics;
    private final StartupConfigCheck settings;
    private final Instance<Map<String, Object>> kafka;
    private final Instance<KafkaClientService> clients;
    private final Duration stallBudget;
    private final Duration lagInterval;

    private volatile boolean migrated;
    private volatile boolean joined;
    private volatile boolean rebalancing;
    private volatile boolean stopping;
    private volatile Consumer<?, ?> consumer;
    /** The partitions this member owns, as the consumer's assignment says. */
    private final Ownership assigned = new Ownership();
    private final AtomicBoolean lookQueued = new AtomicBoolean();
    private final AtomicLong lastTransientFailure = new AtomicLong();
    private final AtomicLong lastAnswer = new AtomicLong();
    /** Writes whose statements time out, and what each is. */
    private final Map<Object, String> timingOut = new ConcurrentHashMap<>();
    private volatile boolean brokerReachable = true;
    private volatile int pausedPartitions;
    private volatile List<PartitionLag> lag = List.of();
    private final Map<TopicPartition, Deque<LagStatus.Sample>> history = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> behindSince = new ConcurrentHashMap<>();
    private volatile Snapshot snapshot;
    private ConsumerState state = ConsumerState.STARTING;
    private ScheduledExecutorService scheduler;
    private Admin admin;

    ConsumerMonitor(SinkConfig config, FatalStop fatal, InFlightBatches inFlight, SinkMetrics metrics,
            StartupConfigCheck settings, @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafka,
            Instance<KafkaClientService> clients) {
        this.config = config;
        this.fatal = fatal;
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.settings = settings;
        this.kafka = kafka;
        this.clients = clients;
        this.stallBudget = Duration.ofMillis(config.stallBudgetMs());
        this.lagInterval = Duration.ofMillis(config.lagIntervalMs());
        this.snapshot = new Snapshot(ConsumerState.STARTING, "starting: table not migrated yet", false, true,
                Duration.ZERO, settings.maxPollInterval(), Duration.ZERO, 0, List.of());
        metrics.consumerState(() -> snapshot.state());
        metrics.consumerGauges(() -> snapshot.pausedPartitions(),
                () -> (snapshot.maxPollInterval().toMillis() - snapshot.lastPollAge().toMillis()) / 1000.0,
                () -> snapshot.oldestInFlight().toMillis() / 1000.0);
    }

    /** After the table migration, before the channel connects: start watching. */
    void start(@Observes @Priority(StartupConfigCheck.PRIORITY + 2) StartupEvent event, Config all) {
        if (!StartupConfigCheck.consumerEnabled(all)) {
            return;
        }
        migrated = true;
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "steady-sink-monitor");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::evaluateSafely, 0, EVALUATION.toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::refreshLagSafely, lagInterval.toMillis(), lagInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }

    // ------------------------------------------------------------------ facts

    /**
     * Partitions assigned (possibly none): the group has been joined. Ownership follows the
     * consumer's whole assignment; partitions still owned that left it, or that come back as new,
     * were lost meanwhile. Polling thread.
     */
    public void assigned(Consumer<?, ?> groupConsumer, Collection<TopicPartition> partitions) {
        consumer = groupConsumer;
        Set<TopicPartition> lost = assigned.assigned(groupConsumer.assignment(), partitions);
        if (!lost.isEmpty()) {
            forgetLost(lost);
        }
        joined = true;
        rebalancing = false;
        evaluate();
    }

    /** Partitions are being revoked: their batches drain. Polling thread. */
    public void revoking() {
        rebalancing = true;
        evaluate();
    }

    /** Partitions left this member through a revocation. Polling thread. */
    public void revoked(Collection<TopicPartition> partitions) {
        assigned.released(partitions);
        forget(partitions);
    }

    /**
     * Partitions were taken from this member without a revocation: it was no longer in the group
     * (its poll loop or its heartbeats came too late). Polling thread.
     */
    public void lost(Collection<TopicPartition> partitions) {
        assigned.released(partitions);
        forgetLost(partitions);
    }

    private void forgetLost(Collection<TopicPartition> partitions) {
        metrics.rebalance(SinkMetrics.RebalanceKind.LOST);
        LOG.warnf("Partitions lost: this member was no longer in the group (poll loop or heartbeats too late);"
                + " the new owner re-delivers their records not yet committed: %s", partitions);
        inFlight.forget(partitions);
        forget(partitions);
    }

    /** Drops the history, fetch observations and lag series of partitions that left or came back. */
    private void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(partition -> {
            history.remove(partition);
            behindSince.remove(partition);
        });
        PollObserver.forget(partitions);
        publishLag(lag);
    }

    /** A write attempt failed transiently (database or dead-letter topic away) and will be retried. */
    public void downstreamFailed() {
        lastTransientFailure.set(System.nanoTime());
    }

    /** A write attempt got an answer (success or a non-transient error): the downstream is there. */
    public void downstreamAnswered() {
        lastAnswer.set(System.nanoTime());
    }

    /** A statement of {@code write} ran past {@code statement_timeout}; it is retried or split. */
    public void statementTimedOut(Object write, String description) {
        timingOut.put(write, description);
    }

    /** That write ended: written, split, or failed otherwise. */
    public void statementTimeoutsEnded(Object write) {
        timingOut.remove(write);
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    // ------------------------------------------------------------------ state

    private void evaluateSafely() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.warn("Could not evaluate the consumer state", e);
        }
    }

    synchronized void evaluate() {
        Duration withoutProgress = inFlight.longestWithoutProgress();
        long failedAt = lastTransientFailure.get();
        ConsumerState next;
        String reason;
        Optional<FatalStop.Stopped> stopped = fatal.stopped();
        if (stopped.isPresent()) {
            next = ConsumerState.FAILED;
            reason = stopped.get().reason();
        } else if (!migrated || !joined) {
            next = ConsumerState.STARTING;
            reason = migrated ? "waiting for the first partition assignment" : "table not migrated yet";
        } else if (withoutProgress.compareTo(stallBudget) > 0) {
            next = ConsumerState.STALLED;
            reason = "a batch has made no progress for " + withoutProgress.toSeconds() + " s (SINK_STALL_BUDGET_MS="
                    + stallBudget.toMillis() + ")";
        } else if (failedAt != 0 && failedAt - lastAnswer.get() > 0) {
            next = ConsumerState.DOWNSTREAM_DOWN;
            reason = "writes fail transiently and are being retried (database or dead-letter topic unreachable)";
        } else if (!timingOut.isEmpty()) {
            next = ConsumerState.STATEMENT_STUCK;
            reason = "statements run past SINK_STATEMENT_TIMEOUT_MS=" + config.statementTimeoutMs()
                    + " and are retried, in halves down to single records (a lock held elsewhere? a slow trigger?): "
                    + String.join("; ", timingOut.values());
        } else if (rebalancing) {
            next = ConsumerState.REBALANCING;
            reason = "partitions are being revoked; in-flight batches drain";
        } else if (pausedPartitions > 0) {
            next = ConsumerState.PAUSED_BACKPRESSURE;
            reason = pausedPartitions + " partition(s) paused: the database is slower than the topic";
        } else if (inFlight.count() == 0 && lag.stream().allMatch(partition -> partition.records() == 0)) {
            next = ConsumerState.IDLE;
            reason = assigned.isEmpty() ? "no partitions assigned" : "caught up";
        } else {
            next = ConsumerState.CONSUMING;
            reason = inFlight.count() > 0
                    ? "writing " + inFlight.count() + " batch(es)"
                    : "records to fetch (lag " + lag.stream().mapToLong(PartitionLag::records).sum() + ")";
        }
        if (next != state) {
            LOG.infof("Consumer state %s -> %s: %s", state, next, reason);
            state = next;
        }
        snapshot = new Snapshot(next, reason, migrated && joined, brokerReachable, lastPollAge(),
                settings.maxPollInterval(), inFlight.oldestAge(), pausedPartitions, lag);
    }

    /** Time since the consumer last called poll(), from the client's own metric; zero before joining. */
    private Duration lastPollAge() {
        Consumer<?, ?> groupConsumer = consumer;
        if (groupConsumer == null) {
            return Duration.ZERO;
        }
        for (Map.Entry<MetricName, ? extends Metric> metric : groupConsumer.metrics().entrySet()) {
            MetricName name = metric.getKey();
            if (name.name().equals("last-poll-seconds-ago") && name.group().equals("consumer-metrics")
                    && metric.getValue().metricValue() instanceof Number seconds) {
                return Duration.ofSeconds(seconds.longValue());
            }
        }
        return Duration.ZERO;
    }

    // ------------------------------------------------------------------ lag

    private void refreshLagSafely() {
        try {
            refreshLag();
        } catch (RuntimeException e) {
            LOG.warn("Could not refresh the consumer lag", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void refreshLag() throws InterruptedException {
        lookOnPollingThread();
        Set<TopicPartition> partitions = assigned.owned();
        long timeout = Math.max(1_000, Math.min(lagInterval.toMillis(), 10_000));
        Map<TopicPartition, OffsetAndMetadata> committed;
        Map<TopicPartition, ListOffsetsResultInfo> ends;
        try {
            Admin client = admin();
            committed = client.listConsumerGroupOffsets(
                    Map.of(config.groupId(), new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)),
                    new ListConsumerGroupOffsetsOptions().timeoutMs((int) timeout))
                    .partitionsToOffsetAndMetadata(config.groupId()).get(timeout + 1_000, TimeUnit.MILLISECONDS);
            ends = offsets(client, partitions, OffsetSpec.latest(), timeout);
            Set<TopicPartition> neverCommitted = new HashSet<>(partitions);
            neverCommitted.removeIf(partition -> committed.get(partition) != null);
            Map<TopicPartition, ListOffsetsResultInfo> starts = neverCommitted.isEmpty()
                    ? Map.of()
                    : offsets(client, neverCommitted, startSpec(), timeout);
            record(partitions, committed, ends, starts);
            if (!brokerReachable) {
                LOG.info("The Kafka broker is reachable again");
            }
            brokerReachable = true;
        } catch (ExecutionException | TimeoutException e) {
            if (stopping) {
                return;
            }
            if (e.getCause() instanceof AuthenticationException || e.getCause() instanceof AuthorizationException) {
                // The consumer's own client only logs these and retries forever; they need a person.
                fatal.stop(e.getCause());
            } else if (brokerReachable) {
                LOG.warnf("The Kafka broker is unreachable (reading offsets failed: %s); readiness is DOWN until it"
                        + " answers", e.getCause() == null ? e : e.getCause());
            }
            brokerReachable = false;
        }
        evaluate();
    }

    private OffsetSpec startSpec() {
        boolean latest = config.autoOffsetReset().map(reset -> reset.trim().equalsIgnoreCase("latest")).orElse(false);
        return latest ? OffsetSpec.latest() : OffsetSpec.earliest();
    }

    private static Map<TopicPartition, ListOffsetsResultInfo> offsets(Admin client, Set<TopicPartition> partitions,
            OffsetSpec spec, long timeout) throws InterruptedException, ExecutionException,
            TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(partition -> request.put(partition, spec));
        // the end a read_committed consumer can reach: records of open transactions are not lag yet
        return client.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)
                .timeoutMs((int) timeout)).all()
                .get(timeout + 1_000, TimeUnit.MILLISECONDS);
    }

    private void record(Set<TopicPartition> partitions, Map<TopicPartition, OffsetAndMetadata> committed,
            Map<TopicPartition, ListOffsetsResultInfo> ends, Map<TopicPartition, ListOffsetsResultInfo> starts) {
        long nowNanos = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        long window = lagInterval.toNanos() * LagStatus.WINDOW;
        List<PartitionLag> refreshed = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            ListOffsetsResultInfo end = ends.get(partition);
            if (end == null) {
                continue;
            }
            OffsetAndMetadata commit = committed.get(partition);
            long position = commit != null
                    ? commit.offset()
                    : starts.containsKey(partition) ? starts.get(partition).offset() : end.offset();
            long records = Math.max(0, end.offset() - position);
            double seconds = 0;
            if (records > 0) {
                OptionalLong timestamp = PollObserver.timestampAt(partition, position);
                long since = behindSince.computeIfAbsent(partition, p -> nowNanos);
                seconds = timestamp.isPresent() && timestamp.getAsLong() > 0
                        ? Math.max(0, nowMillis - timestamp.getAsLong()) / 1000.0
                        : (nowNanos - since) / 1e9;
            } else {
                behindSince.remove(partition);
            }
            Deque<LagStatus.Sample> samples = history.computeIfAbsent(partition, p -> new ArrayDeque<>());
            samples.addLast(new LagStatus.Sample(position, records));
            while (samples.size() > LagStatus.WINDOW) {
                samples.removeFirst();
            }
            boolean active = inFlight.isWriting(partition) || nowNanos - PollObserver.lastActivity(partition) < window;
            refreshed.add(new PartitionLag(partition, records, seconds, LagStatus.of(List.copyOf(samples), active)));
        }
        refreshed.sort(Comparator.comparing((PartitionLag p) -> p.partition().topic())
                .thenComparingInt(p -> p.partition().partition()));
        publishLag(refreshed);
    }

    /** Publishes the lag of the partitions in {@code candidates} that this member owns right now. */
    private synchronized void publishLag(List<PartitionLag> candidates) {
        lag = candidates.stream().filter(partition -> assigned.owns(partition.partition())).toList();
        metrics.lag(lag);
    }

    /**
     * Between two polls, on the polling thread: the partitions the connector paused, the consumer's
     * assignment (partitions that left it without a revocation were lost), and commits of partitions
     * whose every fetched record is written ({@link InFlightBatches#commitSettled}). Waits at most
     * 2 s for a busy polling thread; no second look is queued while one waits.
     */
    private void lookOnPollingThread() {
        if (!joined || !clients.isResolvable()) {
            return;
        }
        KafkaConsumer<Object, Object> channel = clients.get().getConsumer(Channels.EVENTS);
        if (channel == null || !lookQueued.compareAndSet(false, true)) {
            return;
        }
        java.util.function.Consumer<Consumer<Object, Object>> look = groupConsumer -> {
            pausedPartitions = groupConsumer.paused().size();
            Set<TopicPartition> lost = assigned.observed(groupConsumer.assignment());
            if (!lost.isEmpty()) {
                forgetLost(lost);
            }
            inFlight.commitSettled(groupConsumer);
        };
        try {
            channel.runOnPollingThread(look).onTermination().invoke(() -> lookQueued.set(false))
                    .await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            // the polling thread is busy (e.g. draining a revocation): keep the last answers
        }
    }

    private Admin admin() {
        if (admin == null) {
            admin = KafkaClientSettings.admin(kafka, config.groupId() + "-lag");
        }
        return admin;
    }
}
