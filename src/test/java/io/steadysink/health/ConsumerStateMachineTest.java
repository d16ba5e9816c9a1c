package io.steadysink.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Every state and every way in and out of it, and what the probes make of each: the facts of a
 * moment are set by hand, as the monitor would observe them.
 */
class ConsumerStateMachineTest {

    private static final Duration STALL_BUDGET = Duration.ofSeconds(120);
    private static final Duration MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    private static final Instant MISSING_SINCE = Instant.parse("2025-03-01T12:00:00Z");

    private final ConsumerStateMachine machine = new ConsumerStateMachine(STALL_BUDGET, 30_000);
    private final Moment now = new Moment();

    @Test
    void beforeTheFirstEvaluationTheConsumerIsStartingAndNotReady() {
        Snapshot snapshot = Snapshot.starting(MAX_POLL_INTERVAL);

        assertThat(snapshot.state()).isEqualTo(ConsumerState.STARTING);
        assertThat(snapshot.started()).isFalse();
        assertThat(snapshot.readinessProblem()).contains("starting: table not migrated yet");
        assertThat(snapshot.livenessProblem()).isEmpty();
    }

    @Test
    void startingUntilTheTableIsMigratedAndTheGroupJoinedThenIdle() {
        now.migrated = false;
        now.joined = false;
        assertState(ConsumerState.STARTING, "table not migrated yet");
        Snapshot unmigrated = evaluate();
        assertThat(unmigrated.started()).isFalse();
        assertThat(unmigrated.readinessProblem()).contains("table not migrated yet");

        now.migrated = true;
        assertState(ConsumerState.STARTING, "waiting for the first partition assignment");
        now.lastPollAge = MAX_POLL_INTERVAL.multipliedBy(2);
        assertThat(evaluate().livenessProblem()).as("no poll loop to judge before joining").isEmpty();

        now.joined = true;
        now.lastPollAge = Duration.ZERO;
        Snapshot joined = evaluate();
        assertThat(joined.state()).isEqualTo(ConsumerState.IDLE);
        assertThat(joined.reason()).isEqualTo("caught up");
        assertThat(joined.started()).isTrue();
        assertThat(joined.readinessProblem()).isEmpty();
        assertThat(joined.livenessProblem()).isEmpty();
        assertThat(machine.state()).isEqualTo(ConsumerState.IDLE);
    }

    @Test
    void joinedWithoutPartitionsIsIdleWithNothingAssigned() {
        now.ownsPartitions = false;
        assertState(ConsumerState.IDLE, "no partitions assigned");
    }

    @Test
    void batchesInFlightOrLagMakeItConsumingAndCaughtUpMakesItIdleAgain() {
        now.inFlight = 2;
        assertState(ConsumerState.CONSUMING, "writing 2 batch(es)");

        now.inFlight = 0;
        now.lag = List.of(lag(0, 5), lag(1, 3));
        assertState(ConsumerState.CONSUMING, "records to fetch (lag 8)");
        assertThat(evaluate().readinessProblem()).isEmpty();

        now.lag = List.of(lag(0, 0), lag(1, 0));
        assertState(ConsumerState.IDLE, "caught up");
    }

    @Test
    void aBatchWithoutProgressBeyondTheStallBudgetIsStalledAndNotLiveUntilItMovesAgain() {
        now.inFlight = 1;
        now.withoutProgress = STALL_BUDGET;
        assertState(ConsumerState.CONSUMING, "writing 1 batch(es)");

        now.withoutProgress = STALL_BUDGET.plusSeconds(1);
        Snapshot stalled = evaluate();
        assertThat(stalled.state()).isEqualTo(ConsumerState.STALLED);
        assertThat(stalled.reason()).isEqualTo("a batch has made no progress for 121 s (SINK_STALL_BUDGET_MS=120000)");
        assertThat(stalled.livenessProblem()).contains(stalled.reason());
        assertThat(stalled.readinessProblem()).as("a stalled replica still serves").isEmpty();

        now.withoutProgress = Duration.ofSeconds(1);
        Snapshot moving = evaluate();
        assertThat(moving.state()).isEqualTo(ConsumerState.CONSUMING);
        assertThat(moving.livenessProblem()).as("nothing sticks").isEmpty();
    }

    @Test
    void aTransientWriteFailureIsDownstreamDownUntilTheNextAnswer() {
        now.inFlight = 1;
        machine.downstreamFailed();
        Snapshot down = evaluate();
        assertThat(down.state()).isEqualTo(ConsumerState.DOWNSTREAM_DOWN);
        assertThat(down.reason())
                .isEqualTo(
                        "writes fail transiently and are being retried (database, schema registry or dead-letter topic"
                                + " unreachable)");
        assertThat(down.readinessProblem()).contains(down.reason());
        assertThat(down.livenessProblem()).as("a restart cannot bring the database back").isEmpty();

        machine.downstreamAnswered();
        assertState(ConsumerState.CONSUMING, "writing 1 batch(es)");

        machine.downstreamFailed(); // the last report decides
        machine.downstreamAnswered();
        machine.downstreamFailed();
        assertThat(evaluate().state()).isEqualTo(ConsumerState.DOWNSTREAM_DOWN);
    }

    @Test
    void aWriteWaitingForItsTableIsDownstreamDownNamingWhatToRunButStaysLiveUntilItIsWritten() {
        Object write = new Object();
        now.inFlight = 1;
        machine.downstreamAnswered();
        machine.waitingForTable(write, "route customers: run ALTER TABLE \"customers\" ADD COLUMN \"vip\" boolean;");
        Snapshot waiting = evaluate();
        assertThat(waiting.state()).isEqualTo(ConsumerState.DOWNSTREAM_DOWN);
        assertThat(waiting.reason()).isEqualTo("writes wait for their tables to change and are being retried:"
                + " route customers: run ALTER TABLE \"customers\" ADD COLUMN \"vip\" boolean;");
        assertThat(waiting.readinessProblem()).isPresent();
        assertThat(waiting.livenessProblem()).isEmpty();

        machine.tableWaitEnded(write);
        assertState(ConsumerState.CONSUMING, "writing 1 batch(es)");
    }

    @Test
    void statementsPastTheTimeoutAreStuckWhileAnyOfTheirWritesRunsAndStayReadyAndLive() {
        Object first = new Object();
        Object second = new Object();
        now.inFlight = 2;
        machine.statementTimedOut(first, "batch of 10 records events-0@0..9");
        machine.statementTimedOut(second, "batch of 4 records events-1@7..10");
        Snapshot stuck = evaluate();
        assertThat(stuck.state()).isEqualTo(ConsumerState.STATEMENT_STUCK);
        assertThat(stuck.reason()).startsWith("statements run past SINK_STATEMENT_TIMEOUT_MS=30000 and are retried,"
                + " in halves down to single records (a lock held elsewhere? a slow trigger?): ")
                .contains("batch of 10 records events-0@0..9").contains("; ")
                .contains("batch of 4 records events-1@7..10");
        assertThat(stuck.readinessProblem()).isEmpty();
        assertThat(stuck.livenessProblem()).isEmpty();

        machine.statementTimeoutsEnded(first);
        assertThat(evaluate().reason()).endsWith(": batch of 4 records events-1@7..10");
        machine.statementTimeoutsEnded(second);
        assertState(ConsumerState.CONSUMING, "writing 2 batch(es)");
    }

    @Test
    void aRevocationInProgressIsRebalancingAndStaysReadyUntilTheNextAssignment() {
        now.rebalancing = true;
        Snapshot rebalancing = evaluate();
        assertThat(rebalancing.state()).isEqualTo(ConsumerState.REBALANCING);
        assertThat(rebalancing.reason()).isEqualTo("partitions are being revoked; in-flight batches drain");
        assertThat(rebalancing.readinessProblem()).isEmpty();

        now.rebalancing = false;
        assertState(ConsumerState.IDLE, "caught up");
    }

    @Test
    void pausedPartitionsArePausedBackpressureAndStayReady() {
        now.inFlight = 3;
        now.paused = 2;
        Snapshot paused = evaluate();
        assertThat(paused.state()).isEqualTo(ConsumerState.PAUSED_BACKPRESSURE);
        assertThat(paused.reason()).isEqualTo("2 partition(s) paused: the database is slower than the topic");
        assertThat(paused.pausedPartitions()).isEqualTo(2);
        assertThat(paused.readinessProblem()).isEmpty();

        now.paused = 0;
        assertState(ConsumerState.CONSUMING, "writing 3 batch(es)");
    }

    @Test
    void aFatalStopIsFailedNeitherReadyNorLiveWithItsReason() {
        now.fatalStop = Optional.of("PostgreSQL refused the login: fix QUARKUS_DATASOURCE_PASSWORD");
        Snapshot failed = evaluate();

        assertThat(failed.state()).isEqualTo(ConsumerState.FAILED);
        assertThat(failed.reason()).isEqualTo("PostgreSQL refused the login: fix QUARKUS_DATASOURCE_PASSWORD");
        assertThat(failed.readinessProblem()).contains(failed.reason());
        assertThat(failed.livenessProblem()).contains(failed.reason());
    }

    @Test
    void eachStateWinsOverEveryStateAfterIt() {
        now.fatalStop = Optional.of("stopped");
        now.migrated = false;
        now.joined = false;
        now.withoutProgress = STALL_BUDGET.plusSeconds(10);
        machine.downstreamFailed();
        machine.statementTimedOut(this, "a write");
        now.rebalancing = true;
        now.paused = 1;
        now.inFlight = 1;
        now.lag = List.of(lag(0, 7));
        now.missingTopics.put("orderz", MISSING_SINCE);

        assertThat(evaluate().state()).isEqualTo(ConsumerState.FAILED);
        now.fatalStop = Optional.empty();
        assertThat(evaluate().state()).isEqualTo(ConsumerState.STARTING);
        now.migrated = true;
        assertThat(evaluate().state()).isEqualTo(ConsumerState.STARTING);
        now.joined = true;
        assertThat(evaluate().state()).isEqualTo(ConsumerState.STALLED);
        now.withoutProgress = Duration.ZERO;
        assertThat(evaluate().state()).isEqualTo(ConsumerState.DOWNSTREAM_DOWN);
        machine.downstreamAnswered();
        assertThat(evaluate().state()).isEqualTo(ConsumerState.STATEMENT_STUCK);
        machine.statementTimeoutsEnded(this);
        assertThat(evaluate().state()).isEqualTo(ConsumerState.WAITING_FOR_TOPIC);
        now.missingTopics.clear();
        assertThat(evaluate().state()).isEqualTo(ConsumerState.REBALANCING);
        now.rebalancing = false;
        assertThat(evaluate().state()).isEqualTo(ConsumerState.PAUSED_BACKPRESSURE);
        now.paused = 0;
        assertThat(evaluate().state()).isEqualTo(ConsumerState.CONSUMING);
        now.inFlight = 0;
        assertThat(evaluate().state()).as("lag left to fetch").isEqualTo(ConsumerState.CONSUMING);
        now.lag = List.of(lag(0, 0));
        assertThat(evaluate().state()).isEqualTo(ConsumerState.IDLE);
    }

    @Test
    void aMissingSourceTopicIsWaitingForTopicNotReadyButLiveUntilItExists() {
        now.ownsPartitions = false;
        now.missingTopics.put("orderz", MISSING_SINCE);
        Snapshot waiting = evaluate();
        assertThat(waiting.state()).isEqualTo(ConsumerState.WAITING_FOR_TOPIC);
        assertThat(waiting.reason()).isEqualTo(
                "topic orderz of SINK_TOPICS does not exist (since 2025-03-01T12:00:00Z): create it or fix SINK_TOPICS");
        assertThat(waiting.started()).as("the group is joined").isTrue();
        assertThat(waiting.readinessProblem()).contains(waiting.reason());
        assertThat(waiting.livenessProblem()).as("a restart does not create the topic").isEmpty();
        assertThat(waiting.missingTopics()).containsExactly(Map.entry("orderz", MISSING_SINCE));

        now.missingTopics.clear();
        Snapshot created = evaluate();
        assertThat(created.state()).isEqualTo(ConsumerState.IDLE);
        assertThat(created.reason()).isEqualTo("no partitions assigned");
        assertThat(created.readinessProblem()).isEmpty();
        assertThat(created.missingTopics()).isEmpty();

        now.ownsPartitions = true;
        now.lag = List.of(lag(0, 40));
        assertState(ConsumerState.CONSUMING, "records to fetch (lag 40)");
    }

    @Test
    void whileSomeTopicsAreConsumedAndOthersMissingTheStateStaysWaitingForTopicNamingEveryMissingOne() {
        now.inFlight = 2;
        now.lag = List.of(lag(0, 100));
        now.missingTopics.put("orderz", MISSING_SINCE.plusSeconds(5));
        now.missingTopics.put("paymentz", MISSING_SINCE);

        Snapshot waiting = evaluate();

        assertThat(waiting.state()).isEqualTo(ConsumerState.WAITING_FOR_TOPIC);
        assertThat(waiting.reason()).isEqualTo("topics orderz, paymentz of SINK_TOPICS do not exist"
                + " (since 2025-03-01T12:00:00Z): create them or fix SINK_TOPICS");
        assertThat(waiting.readinessProblem()).contains(waiting.reason());
        assertThat(waiting.lag()).as("the topics that exist are consumed").containsExactly(lag(0, 100));

        now.missingTopics.remove("paymentz");
        assertState(ConsumerState.WAITING_FOR_TOPIC,
                "topic orderz of SINK_TOPICS does not exist (since 2025-03-01T12:00:05Z): create it or fix SINK_TOPICS");
        now.missingTopics.clear();
        assertState(ConsumerState.CONSUMING, "writing 2 batch(es)");
    }

    @Test
    void beforeTheGroupIsJoinedAMissingTopicLeavesTheConsumerStarting() {
        now.joined = false;
        now.missingTopics.put("orderz", MISSING_SINCE);

        Snapshot starting = evaluate();

        assertThat(starting.state()).isEqualTo(ConsumerState.STARTING);
        assertThat(starting.started()).isFalse();
        now.joined = true;
        Snapshot joined = evaluate();
        assertThat(joined.state()).isEqualTo(ConsumerState.WAITING_FOR_TOPIC);
        assertThat(joined.started()).isTrue();
    }

    @Test
    void aStateThatOutranksWaitingForTopicStillLeavesReadinessDownWhileATopicIsMissing() {
        Object write = new Object();
        now.inFlight = 1;
        now.missingTopics.put("orderz", MISSING_SINCE);
        machine.statementTimedOut(write, "batch of 10 records events-0@0..9");

        Snapshot stuck = evaluate();

        assertThat(stuck.state()).isEqualTo(ConsumerState.STATEMENT_STUCK);
        assertThat(stuck.readinessProblem()).contains(
                "topic orderz of SINK_TOPICS does not exist (since 2025-03-01T12:00:00Z): create it or fix SINK_TOPICS");
        assertThat(stuck.livenessProblem()).isEmpty();

        machine.statementTimeoutsEnded(write);
        now.withoutProgress = STALL_BUDGET.plusSeconds(1);
        Snapshot stalled = evaluate();
        assertThat(stalled.state()).isEqualTo(ConsumerState.STALLED);
        assertThat(stalled.livenessProblem()).contains(stalled.reason());
        assertThat(stalled.readinessProblem()).contains(
                "topic orderz of SINK_TOPICS does not exist (since 2025-03-01T12:00:00Z): create it or fix SINK_TOPICS");
    }

    @Test
    void aPollLoopSilentLongerThanMaxPollIntervalIsNotLiveButReady() {
        now.lastPollAge = MAX_POLL_INTERVAL;
        assertThat(evaluate().livenessProblem()).as("exactly the interval").isEmpty();

        now.lastPollAge = MAX_POLL_INTERVAL.plusSeconds(1);
        Snapshot silent = evaluate();
        assertThat(silent.state()).isEqualTo(ConsumerState.IDLE);
        assertThat(silent.livenessProblem())
                .contains("the poll loop has been silent for 301 s, more than max.poll.interval.ms=300000");
        assertThat(silent.readinessProblem()).isEmpty();

        now.lastPollAge = Duration.ofSeconds(1);
        assertThat(evaluate().livenessProblem()).isEmpty();
    }

    @Test
    void anUnreachableBrokerIsNotReadyButLiveAndTheStateReasonComesFirst() {
        now.brokerReachable = false;
        Snapshot unreachable = evaluate();
        assertThat(unreachable.state()).isEqualTo(ConsumerState.IDLE);
        assertThat(unreachable.readinessProblem()).contains("the Kafka broker is unreachable");
        assertThat(unreachable.livenessProblem()).isEmpty();

        machine.downstreamFailed();
        assertThat(evaluate().readinessProblem()).contains(
                "writes fail transiently and are being retried (database, schema registry or dead-letter topic"
                        + " unreachable)");

        machine.downstreamAnswered();
        now.brokerReachable = true;
        assertThat(evaluate().readinessProblem()).isEmpty();
    }

    @Test
    void theSnapshotCarriesWhatTheChecksShow() {
        now.inFlight = 1;
        now.lastPollAge = Duration.ofSeconds(2);
        now.oldestInFlight = Duration.ofSeconds(9);
        now.lag = List.of(lag(0, 4));

        Snapshot snapshot = evaluate();

        assertThat(snapshot.lastPollAge()).isEqualTo(Duration.ofSeconds(2));
        assertThat(snapshot.maxPollInterval()).isEqualTo(MAX_POLL_INTERVAL);
        assertThat(snapshot.oldestInFlight()).isEqualTo(Duration.ofSeconds(9));
        assertThat(snapshot.lag()).containsExactly(lag(0, 4));
        assertThat(snapshot.brokerReachable()).isTrue();
        assertThat(snapshot.missingTopics()).isEmpty();
    }

    private void assertState(ConsumerState state, String reason) {
        Snapshot snapshot = evaluate();
        assertThat(snapshot.state()).isEqualTo(state);
        assertThat(snapshot.reason()).isEqualTo(reason);
    }

    private Snapshot evaluate() {
        return machine.evaluate(now.facts());
    }

    private static PartitionLag lag(int partition, long records) {
        return new PartitionLag(new TopicPartition("events", partition), records, 0, LagStatus.OK);
    }

    /** The facts of one moment; by default a joined member that owns partitions and has nothing to do. */
    private static final class Moment {
        Optional<String> fatalStop = Optional.empty();
        boolean migrated = true;
        boolean joined = true;
        boolean rebalancing;
        Duration withoutProgress = Duration.ZERO;
        int paused;
        int inFlight;
        boolean ownsPartitions = true;
        List<PartitionLag> lag = List.of();
        boolean brokerReachable = true;
        Duration lastPollAge = Duration.ZERO;
        Duration oldestInFlight = Duration.ZERO;
        Map<String, Instant> missingTopics = new LinkedHashMap<>();

        ConsumerStateMachine.Facts facts() {
            return new ConsumerStateMachine.Facts(fatalStop, migrated, joined, rebalancing, withoutProgress, paused,
                    inFlight, ownsPartitions, lag, brokerReachable, lastPollAge, MAX_POLL_INTERVAL, oldestInFlight,
                    new LinkedHashMap<>(missingTopics));
        }
    }
}
