package io.steadysink.health;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

import io.steadysink.consumer.Ticker;
import io.steadysink.failure.FatalStop;

/**
 * Reads, through an admin client of its own (so the consumer never waits for it), where each
 * partition stands: the group's committed offset, and the log end a {@code read_committed} consumer
 * can reach (records of open transactions are not lag yet). A partition never committed counts from
 * where {@code auto.offset.reset} starts it. Also tells which source topics do not exist. Keeps
 * whether the broker answered the last read (the readiness check shows it, and a WARN says since
 * when, again once per {@code repeat} until it answers), and stops the consumer on an authentication
 * or authorization error: the consumer's own client only logs those and retries forever, and they
 * need a person.
 */
final class LagReader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LagReader.class);
    private static final String BROKER = "broker";

    /** A partition's position (committed offset, or where consuming starts) and its log end. */
    record Offsets(long position, long end) {
    }

    private final Supplier<Admin> adminFactory;
    private final String groupId;
    private final OffsetSpec start;
    private final long timeoutMs;
    private final FatalStop fatal;
    /** The one condition {@link #BROKER}: the broker did not answer the last read. */
    private final OngoingConditions<String> unreachable;
    private volatile Admin admin;
    private volatile boolean brokerReachable = true;
    private volatile boolean closed;

    /**
     * @param adminFactory builds the admin client, on the first read
     * @param startAtLatest whether a partition never committed starts at its end ({@code latest})
     * @param interval {@code SINK_LAG_INTERVAL_MS}: each request waits that long, within 1 to 10 s
     * @param repeat how often the WARN about an unreachable broker is repeated while it lasts
     */
    LagReader(Supplier<Admin> adminFactory, String groupId, boolean startAtLatest, Duration interval,
            FatalStop fatal, Duration repeat, Ticker ticker, InstantSource wallClock) {
        this.adminFactory = adminFactory;
        this.groupId = groupId;
        this.start = startAtLatest ? OffsetSpec.latest() : OffsetSpec.earliest();
        this.timeoutMs = Math.max(1_000, Math.min(interval.toMillis(), 10_000));
        this.fatal = fatal;
        this.unreachable = new OngoingConditions<>(repeat, ticker, wallClock);
    }

    /**
     * The offsets of those {@code partitions} whose end the broker told; empty when the read failed
     * (the broker is then unreachable, or the consumer stopped on an authorization error).
     */
    Optional<Map<TopicPartition, Offsets>> read(Set<TopicPartition> partitions) throws InterruptedException {
        try {
            Admin client = admin();
            Map<TopicPartition, OffsetAndMetadata> committed = client.listConsumerGroupOffsets(
                    Map.of(groupId, new ListConsumerGroupOffsetsSpec().topicPartitions(partitions)),
                    new ListConsumerGroupOffsetsOptions().timeoutMs((int) timeoutMs))
                    .partitionsToOffsetAndMetadata(groupId).get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(client, partitions, OffsetSpec.latest());
            Set<TopicPartition> neverCommitted = new HashSet<>(partitions);
            neverCommitted.removeIf(partition -> committed.get(partition) != null);
            Map<TopicPartition, ListOffsetsResultInfo> starts = neverCommitted.isEmpty()
                    ? Map.of()
                    : offsets(client, neverCommitted, start);
            Map<TopicPartition, Offsets> read = new HashMap<>();
            for (TopicPartition partition : partitions) {
                ListOffsetsResultInfo end = ends.get(partition);
                if (end != null) {
                    OffsetAndMetadata commit = committed.get(partition);
                    long position = commit != null
                            ? commit.offset()
                            : starts.containsKey(partition) ? starts.get(partition).offset() : end.offset();
                    read.put(partition, new Offsets(position, end.offset()));
                }
            }
            for (OngoingConditions.Condition<String> outage : unreachable.holding(List.of()).ended()) {
                LOG.infof("The Kafka broker is reachable again (unreachable since %s, for %s)", outage.since(),
                        OngoingConditions.describe(outage.lasted()));
            }
            brokerReachable = true;
            return Optional.of(read);
        } catch (ExecutionException | TimeoutException e) {
            if (closed) {
                return Optional.empty();
            }
            if (e.getCause() instanceof AuthenticationException || e.getCause() instanceof AuthorizationException) {
                // The consumer's own client only logs these and retries forever; they need a person.
                fatal.stop(e.getCause());
            } else {
                for (OngoingConditions.Condition<String> outage : unreachable.holding(List.of(BROKER)).due()) {
                    LOG.warnf("The Kafka broker is unreachable (since %s; reading offsets failed: %s); readiness is"
                            + " DOWN until it answers", outage.since(), e.getCause() == null ? e : e.getCause());
                }
            }
            brokerReachable = false;
            return Optional.empty();
        }
    }

    /**
     * Which of {@code topics} the broker says do not exist; empty when it did not tell (it did not
     * answer in time, or refused). A topic the broker does not let this client describe is not
     * counted as missing.
     */
    Optional<Set<String>> unknownTopics(Collection<String> topics) throws InterruptedException {
        Set<String> unknown = new LinkedHashSet<>();
        try {
            Map<String, KafkaFuture<TopicDescription>> described = admin().describeTopics(topics,
                    new DescribeTopicsOptions().timeoutMs((int) timeoutMs)).topicNameValues();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : described.entrySet()) {
                try {
                    topic.getValue().get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        unknown.add(topic.getKey());
                    } else if (!(e.getCause() instanceof AuthorizationException)) {
                        throw e;
                    }
                }
            }
            return Optional.of(unknown);
        } catch (ExecutionException | TimeoutException e) {
            if (!closed) {
                LOG.debugf("Could not describe the source topics %s: %s", topics, e.getCause() == null
                        ? e
                        : e.getCause());
            }
            return Optional.empty();
        }
    }

    /** Whether the broker answered the last read (true before the first). */
    boolean brokerReachable() {
        return brokerReachable;
    }

    /** Whether {@link #close} was called: a read failing now is the shutdown, not the broker. */
    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
        Admin client = admin;
        if (client != null) {
            client.close(Duration.ZERO); // a read in flight does not matter any more: do not hold up the exit
        }
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(Admin client, Set<TopicPartition> partitions,
            OffsetSpec spec) throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(partition -> request.put(partition, spec));
        // the end a read_committed consumer can reach: records of open transactions are not lag yet
        return client.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)
                .timeoutMs((int) timeoutMs)).all()
                .get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
    }

    private Admin admin() {
        if (admin == null) {
            admin = adminFactory.get();
        }
        return admin;
    }
}
