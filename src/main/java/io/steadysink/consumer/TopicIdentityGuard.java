package io.steadysink.consumer;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.failure.FatalStop;
import io.steadysink.sink.RecreatedTopicException;
import io.steadysink.sink.SchemaMigration;
import io.steadysink.sink.TopicIds;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * Stops the consumer when a topic it reads is not the one the table was filled from: deleted and
 * recreated under the same name, or on another cluster. Such a topic has another Kafka topic ID,
 * and its offsets start again where rows of the old topic are: {@code append} would take its
 * records for replays, {@code upsert} its writes for stale ones. The ID each topic had when the
 * table first saw it is kept in {@code <table>_topics} ({@link TopicIds}) and compared with the
 * broker's
 * <ul>
 * <li>at start-up, after the migration and before the consumer joins: start-up is refused;</li>
 * <li>at every partition assignment, on the polling thread before the new partitions are fetched;</li>
 * <li>every {@code SINK_LAG_INTERVAL_MS}, for a topic recreated without a rebalance (deleted and
 * recreated faster than the consumer noticed).</li>
 * </ul>
 * While running, a changed ID is a fatal stop ({@link FatalStop}). A check that cannot reach the
 * broker or the database is skipped (the next one runs); brokers without topic IDs are not checked.
 */
@ApplicationScoped
public class TopicIdentityGuard {

    /**
     * After start-up's wait has run the {@link SchemaMigration} (which created {@code <table>_topics})
     * and reached the broker, before the channel connects.
     */
    public static final int PRIORITY = SchemaMigration.PRIORITY + 1;

    private static final Logger LOG = Logger.getLogger(TopicIdentityGuard.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final SinkConfig config;
    private final FatalStop fatal;
    private final Instance<Map<String, Object>> kafka;
    private final Instance<AgroalDataSource> dataSource;
    private final Duration interval;

    private volatile TopicIds ids;
    private volatile boolean stopping;
    private ScheduledExecutorService scheduler;
    private Admin admin;

    TopicIdentityGuard(SinkConfig config, FatalStop fatal,
            @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafka,
            Instance<AgroalDataSource> dataSource) {
        this.config = config;
        this.fatal = fatal;
        this.kafka = kafka;
        this.dataSource = dataSource;
        this.interval = Duration.ofMillis(config.lagIntervalMs());
    }

    void start(@Observes @Priority(PRIORITY) StartupEvent event, Config all) {
        if (!StartupConfigCheck.consumerEnabled(all) || !config.hasDefaultRoute()) {
            return; // the topic IDs are kept beside the fixed-shape table
        }
        ids = new TopicIds(dataSource.get(), config.table());
        try {
            verify(config.topics().orElseThrow());
        } catch (RecreatedTopicException e) {
            throw StartupFailure.cannotStart(ExitCode.ACCESS_REFUSED, e.getMessage());
        } catch (Exception e) {
            LOG.warnf("Could not compare the topic IDs of %s with table %s (%s); compared again at every partition "
                    + "assignment", config.topics().orElseThrow(), TopicIds.tableFor(config.table()), brief(e));
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "steady-sink-topic-ids");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(() -> verifyWhileRunning(config.topics().orElseThrow()),
                interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ZERO); // calls in flight do not matter any more: do not hold up the exit
                admin = null;
            }
        }
    }

    /**
     * Partitions were assigned: compares their topics before any of their records is fetched.
     * Polling thread; waits at most a few seconds for the broker.
     */
    public void assigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            verifyWhileRunning(partitions.stream().map(TopicPartition::topic).toList());
        }
    }

    private void verifyWhileRunning(Collection<String> topics) {
        if (ids == null || stopping || fatal.stopped().isPresent()) {
            return;
        }
        try {
            verify(topics);
        } catch (RecreatedTopicException e) {
            fatal.stop(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!stopping) {
                // the broker or the database is away: the monitor reports that; the next check runs
                LOG.debugf("Could not compare topic IDs (%s); comparing again in %d ms", brief(e), interval.toMillis());
            }
        }
    }

    private synchronized void verify(Collection<String> topics) throws SQLException, InterruptedException,
            ExecutionException, TimeoutException {
        Set<String> names = new TreeSet<>(topics);
        Map<String, KafkaFuture<TopicDescription>> described = admin().describeTopics(names,
                new DescribeTopicsOptions().timeoutMs((int) TIMEOUT.toMillis())).topicNameValues();
        Map<String, UUID> current = new HashMap<>();
        for (String topic : names) {
            try {
                Uuid id = described.get(topic).get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS).topicId();
                if (id != null && !Uuid.ZERO_UUID.equals(id)) {
                    current.put(topic, new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()));
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                // not there (yet, or any more): nothing of it to consume, nothing to compare
            }
        }
        ids.verify(current);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = KafkaClientSettings.admin(kafka, config.groupId() + "-topic-ids");
        }
        return admin;
    }

    private static String brief(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
