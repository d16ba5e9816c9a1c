package io.steadysink.health;

/** What the consumer is doing, as the probes and {@code steady_sink_consumer_state} report it. */
public enum ConsumerState {
    /** Settings checked, table migrating or the group not joined yet. Not ready. */
    STARTING(false),
    /** Records are arriving and being written. */
    CONSUMING(true),
    /** Caught up (no lag, nothing in flight) or no partitions assigned, every source topic existing. */
    IDLE(true),
    /** Partitions are being revoked or assigned; in-flight batches drain. */
    REBALANCING(true),
    /**
     * A topic of {@code SINK_TOPICS} does not exist (a typo, or not created yet): the consumer takes
     * its partitions by itself once it exists, and consumes the other topics meanwhile. Not ready; live,
     * since a restart does not create the topic.
     */
    WAITING_FOR_TOPIC(false),
    /** The connector paused partitions because its queue is full: the database is slower than the topic. */
    PAUSED_BACKPRESSURE(true),
    /** Writes fail transiently (database or dead-letter topic unreachable) and are being retried. Not ready. */
    DOWNSTREAM_DOWN(false),
    /**
     * A write keeps running past {@code SINK_STATEMENT_TIMEOUT_MS} (a lock held elsewhere, a slow
     * trigger): it is retried, in halves down to single records. The database answers and the other
     * batches flow, so the replica stays ready, and live: a restart would meet the same statement.
     */
    STATEMENT_STUCK(true),
    /** A batch has made no progress (no write attempt ended) for longer than {@code SINK_STALL_BUDGET_MS}. */
    STALLED(true),
    /** A fatal failure stopped the consumer; only a restart with the fix helps. Neither ready nor live. */
    FAILED(false);

    private final boolean ready;

    ConsumerState(boolean ready) {
        this.ready = ready;
    }

    /** Whether a replica in this state should receive traffic, i.e. count as ready. */
    public boolean ready() {
        return ready;
    }
}
