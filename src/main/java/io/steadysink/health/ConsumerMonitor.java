package io.steadysink.health;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.consumer.GroupMembership;
import io.steadysink.consumer.InFlightBatches;
import io.steadysink.consumer.PollObserver;
import io.steadysink.consumer.PollingThreadLook;
import io.steadysink.consumer.Ticker;
import io.steadysink.failure.FatalStop;
import io.steadysink.metrics.SinkMetrics;

/**
 * Keeps the consumer's {@link Snapshot} up to date for the probes and the gauges: a background
 * thread evaluates the {@link ConsumerStateMachine} every second, and every
 * {@code SINK_LAG_INTERVAL_MS} takes a look on the polling thread ({@link PollingThreadLook}),
 * reads the offsets ({@link LagReader}), turns them into lag ({@link LagEvaluator}) and asks which
 * source topics do not exist ({@link SourceTopics}). Group
 * membership changes and the writers' reports re-evaluate at once. Health checks only read the
 * latest snapshot: no I/O in a probe.
 */
@ApplicationScoped
public class ConsumerMonitor {

    private static final Logger LOG = Logger.getLogger(ConsumerMonitor.class);
    private static final Duration EVALUATION = Duration.ofSeconds(1);
    /** How often a WARN about a condition that lasts (a missing topic, the broker away) is repeated. */
    static final Duration REPEAT_WARNING = Duration.ofMinutes(1);

    private final FatalStop fatal;
    private final InFlightBatches inFlight;
    private final GroupMembership membership;
    private final PollingThreadLook look;
    private final SinkMetrics metrics;
    private final StartupConfigCheck settings;
    private final Duration lagInterval;
    private final ConsumerStateMachine machine;
    private final LagReader reader;
    private final LagEvaluator evaluator;
    private final SourceTopics sources;

    private volatile boolean migrated;
    private volatile List<PartitionLag> lag = List.of();
    private volatile Snapshot snapshot;
    private ScheduledExecutorService scheduler;

    ConsumerMonitor(SinkConfig config, FatalStop fatal, InFlightBatches inFlight, GroupMembership membership,
            PollingThreadLook look, SinkMetrics metrics, StartupConfigCheck settings,
            @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafka, Ticker ticker,
            InstantSource wallClock) {
        this.fatal = fatal;
        this.inFlight = inFlight;
        this.membership = membership;
        this.look = look;
        this.metrics = metrics;
        this.settings = settings;
        this.lagInterval = Duration.ofMillis(config.lagIntervalMs());
        this.machine = new ConsumerStateMachine(Duration.ofMillis(config.stallBudgetMs()), config.statementTimeoutMs());
        boolean startAtLatest = config.autoOffsetReset().map(reset -> reset.trim().equalsIgnoreCase("latest"))
                .orElse(false);
        this.reader = new LagReader(() -> KafkaClientSettings.admin(kafka, config.groupId() + "-lag"), config.groupId(),
                startAtLatest, lagInterval, fatal, REPEAT_WARNING, ticker, wallClock);
        this.sources = new SourceTopics(config.subscribedTopics(), metrics, REPEAT_WARNING, ticker, wallClock);
        this.evaluator = new LagEvaluator(lagInterval, ticker, wallClock, new LagEvaluator.Fetches() {
            @Override
            public OptionalLong timestampAt(TopicPartition partition, long offset) {
                return PollObserver.timestampAt(partition, offset);
            }

            @Override
            public OptionalLong lastActivity(TopicPartition partition) {
                return PollObserver.lastActivity(partition);
            }

            @Override
            public boolean isWriting(TopicPartition partition) {
                return inFlight.isWriting(partition);
            }
        });
        this.snapshot = Snapshot.starting(settings.maxPollInterval());
        metrics.consumerState(ConsumerState.class, () -> snapshot.state());
        metrics.consumerGauges(() -> snapshot.pausedPartitions(),
                () -> (snapshot.maxPollInterval().toMillis() - snapshot.lastPollAge().toMillis()) / 1000.0,
                () -> snapshot.oldestInFlight().toMillis() / 1000.0);
        membership.listen(new GroupMembership.Listener() {
            @Override
            public void changed() {
                evaluate();
            }

            @Override
            public void left(Collection<TopicPartition> partitions) {
                evaluator.forget(partitions);
                publishLag(lag);
            }
        });
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
        reader.close(); // first: a read failing from now on is the shutdown, not the broker
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ the writers' reports

    /** A write attempt failed transiently (database or dead-letter topic away) and will be retried. */
    public void downstreamFailed() {
        machine.downstreamFailed();
    }

    /** A write attempt got an answer (success or a non-transient error): the downstream is there. */
    public void downstreamAnswered() {
        machine.downstreamAnswered();
    }

    /** A statement of {@code write} ran past {@code statement_timeout}; it is retried or split. */
    public void statementTimedOut(Object write, String description) {
        machine.statementTimedOut(write, description);
    }

    /** That write ended: written, split, or failed otherwise. */
    public void statementTimeoutsEnded(Object write) {
        machine.statementTimeoutsEnded(write);
    }

    /** {@code write} waits for its table to change; {@code reason} says what to run. */
    public void waitingForTable(Object write, String reason) {
        machine.waitingForTable(write, reason);
    }

    /** That write ended: written, or failed otherwise. */
    public void tableWaitEnded(Object write) {
        machine.tableWaitEnded(write);
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    // ------------------------------------------------------------------ evaluation

    private void evaluateSafely() {
        try {
            evaluate();
        } catch (RuntimeException e) {
            LOG.warn("Could not evaluate the consumer state", e);
        }
    }

    synchronized void evaluate() {
        snapshot = machine.evaluate(new ConsumerStateMachine.Facts(fatal.stopped().map(FatalStop.Stopped::reason),
                migrated, membership.joined(), membership.rebalancing(), inFlight.longestWithoutProgress(),
                look.pausedPartitions(), inFlight.count(), !membership.ownsNone(), lag, reader.brokerReachable(),
                membership.lastPollAge(), settings.maxPollInterval(), inFlight.oldestAge(), sources.missing()));
    }

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
        look.look();
        Optional<Map<TopicPartition, LagReader.Offsets>> read = reader.read(membership.owned());
        if (read.isEmpty() && reader.closed()) {
            return; // shutting down
        }
        read.ifPresent(offsets -> publishLag(evaluator.evaluate(offsets)));
        if (read.isPresent() && !sources.configured().isEmpty()) {
            reader.unknownTopics(sources.configured()).ifPresent(sources::described);
        }
        evaluate();
    }

    /** Publishes the lag of the partitions in {@code candidates} that this member owns right now. */
    private synchronized void publishLag(List<PartitionLag> candidates) {
        lag = candidates.stream().filter(partition -> membership.owns(partition.partition())).toList();
        metrics.lag(lag.stream().map(p -> new SinkMetrics.PartitionLagRow(p.partition().topic(),
                p.partition().partition(), p.records(), p.seconds(), p.status().code())).toList());
    }
}
