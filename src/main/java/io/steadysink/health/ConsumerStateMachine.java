package io.steadysink.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

/**
 * The consumer state machine: derives the {@link ConsumerState} and its reason from the facts of
 * one moment, the first that applies winning: FAILED (a fatal stop), STARTING (table not migrated
 * or group not joined), STALLED (a batch without progress beyond the stall budget),
 * DOWNSTREAM_DOWN (a write waits for its table to change, or the last write attempt failed
 * transiently), STATEMENT_STUCK (statements run past
 * the statement timeout), WAITING_FOR_TOPIC (a source topic does not exist, however the others
 * fare), REBALANCING, PAUSED_BACKPRESSURE, then IDLE (nothing in flight, no lag) or CONSUMING. Each
 * change of state is logged once at INFO.
 * <p>
 * Plain Java: no CDI, no Kafka client and no clock. Durations arrive measured (in-flight tracking
 * and the consumer's own metric have the clocks); the writers' reports arrive as calls, from any
 * thread.
 */
public final class ConsumerStateMachine {

    private static final Logger LOG = Logger.getLogger(ConsumerStateMachine.class);

    /**
     * What the state is derived from, observed at one evaluation.
     *
     * @param fatalStop why a fatal failure stopped the consumer, empty when none did
     * @param withoutProgress longest time a running batch has gone without progress
     * @param ownsPartitions whether this member owns any partition (IDLE says which kind of idle)
     * @param lag each owned partition's lag at the last refresh
     * @param missingTopics the source topics the broker said do not exist, with since when, in
     *        {@code SINK_TOPICS} order
     */
    public record Facts(Optional<String> fatalStop, boolean migrated, boolean joined, boolean rebalancing,
            Duration withoutProgress, int pausedPartitions, int inFlightBatches, boolean ownsPartitions,
            List<PartitionLag> lag, boolean brokerReachable, Duration lastPollAge, Duration maxPollInterval,
            Duration oldestInFlight, Map<String, Instant> missingTopics) {
    }

    private final Duration stallBudget;
    private final long statementTimeoutMs;
    /** Whether the last write attempt to report failed transiently rather than got an answer. */
    private volatile boolean downstreamFailing;
    /** Writes whose statements time out, and what each is. */
    private final Map<Object, String> timingOut = new ConcurrentHashMap<>();
    /** Writes waiting for their table to change, and what each waits for. */
    private final Map<Object, String> waitingForTable = new ConcurrentHashMap<>();
    private ConsumerState state = ConsumerState.STARTING;

    /**
     * @param stallBudget {@code SINK_STALL_BUDGET_MS}: longer without progress is STALLED
     * @param statementTimeoutMs {@code SINK_STATEMENT_TIMEOUT_MS}, named in the STATEMENT_STUCK reason
     */
    public ConsumerStateMachine(Duration stallBudget, long statementTimeoutMs) {
        this.stallBudget = stallBudget;
        this.statementTimeoutMs = statementTimeoutMs;
    }

    /** A write attempt failed transiently (database or dead-letter topic away) and will be retried. */
    public void downstreamFailed() {
        downstreamFailing = true;
    }

    /** A write attempt got an answer (success or a non-transient error): the downstream is there. */
    public void downstreamAnswered() {
        downstreamFailing = false;
    }

    /** A statement of {@code write} ran past {@code statement_timeout}; it is retried or split. */
    public void statementTimedOut(Object write, String description) {
        timingOut.put(write, description);
    }

    /** That write ended: written, split, or failed otherwise. */
    public void statementTimeoutsEnded(Object write) {
        timingOut.remove(write);
    }

    /** {@code write} waits for its table to change: {@code reason} names the table and the statement to run. */
    public void waitingForTable(Object write, String reason) {
        waitingForTable.put(write, reason);
    }

    /** That write ended: written, or failed otherwise. */
    public void tableWaitEnded(Object write) {
        waitingForTable.remove(write);
    }

    /** The state as of the last evaluation. */
    public synchronized ConsumerState state() {
        return state;
    }

    /** Derives the state from {@code facts} (logging a change) and returns what the probes show. */
    public synchronized Snapshot evaluate(Facts facts) {
        ConsumerState next;
        String reason;
        if (facts.fatalStop().isPresent()) {
            next = ConsumerState.FAILED;
            reason = facts.fatalStop().get();
        } else if (!facts.migrated() || !facts.joined()) {
            next = ConsumerState.STARTING;
            reason = facts.migrated() ? "waiting for the first partition assignment" : "table not migrated yet";
        } else if (facts.withoutProgress().compareTo(stallBudget) > 0) {
            next = ConsumerState.STALLED;
            reason = "a batch has made no progress for " + facts.withoutProgress().toSeconds()
                    + " s (SINK_STALL_BUDGET_MS=" + stallBudget.toMillis() + ")";
        } else if (!waitingForTable.isEmpty()) {
            next = ConsumerState.DOWNSTREAM_DOWN;
            reason = "writes wait for their tables to change and are being retried: "
                    + String.join("; ", waitingForTable.values().stream().distinct().sorted().toList());
        } else if (downstreamFailing) {
            next = ConsumerState.DOWNSTREAM_DOWN;
            reason = "writes fail transiently and are being retried (database, schema registry or dead-letter topic"
                    + " unreachable)";
        } else if (!timingOut.isEmpty()) {
            next = ConsumerState.STATEMENT_STUCK;
            reason = "statements run past SINK_STATEMENT_TIMEOUT_MS=" + statementTimeoutMs
                    + " and are retried, in halves down to single records (a lock held elsewhere? a slow trigger?): "
                    + String.join("; ", timingOut.values());
        } else if (!facts.missingTopics().isEmpty()) {
            next = ConsumerState.WAITING_FOR_TOPIC;
            reason = Snapshot.missingTopicsProblem(facts.missingTopics()).orElseThrow();
        } else if (facts.rebalancing()) {
            next = ConsumerState.REBALANCING;
            reason = "partitions are being revoked; in-flight batches drain";
        } else if (facts.pausedPartitions() > 0) {
            next = ConsumerState.PAUSED_BACKPRESSURE;
            reason = facts.pausedPartitions() + " partition(s) paused: the database is slower than the topic";
        } else if (facts.inFlightBatches() == 0
                && facts.lag().stream().allMatch(partition -> partition.records() == 0)) {
            next = ConsumerState.IDLE;
            reason = facts.ownsPartitions() ? "caught up" : "no partitions assigned";
        } else {
            next = ConsumerState.CONSUMING;
            reason = facts.inFlightBatches() > 0
                    ? "writing " + facts.inFlightBatches() + " batch(es)"
                    : "records to fetch (lag " + facts.lag().stream().mapToLong(PartitionLag::records).sum() + ")";
        }
        if (next != state) {
            LOG.infof("Consumer state %s -> %s: %s", state, next, reason);
            state = next;
        }
        return new Snapshot(next, reason, facts.migrated() && facts.joined(), facts.brokerReachable(),
                facts.lastPollAge(), facts.maxPollInterval(), facts.oldestInFlight(), facts.pausedPartitions(),
                facts.lag(), facts.missingTopics());
    }
}
