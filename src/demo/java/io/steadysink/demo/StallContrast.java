package io.steadysink.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.steadysink.config.SinkMode;
import io.steadysink.testing.AppendTable;
import io.steadysink.testing.FlowingTopic;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;

/**
 * Why steady-sink exists, in numbers: the same database stall (the sink table locked for three times
 * {@code max.poll.interval.ms} while records keep arriving) against a classic poll loop that writes
 * on its polling thread, then against the packaged steady-sink, with the rebalances and evictions
 * each one suffered printed side by side. A program that prints a table, not a test.
 */
public final class StallContrast {

    static final int PARTITIONS = 3;
    static final int PER_SECOND = 200;
    static final Duration MAX_POLL_INTERVAL = Duration.ofSeconds(10);
    static final Duration WARM_UP = Duration.ofSeconds(5);
    static final Duration STALL = MAX_POLL_INTERVAL.multipliedBy(3);
    static final Duration RECOVERY = Duration.ofSeconds(20);
    /** Enough records to keep them flowing through warm-up, stall and recovery. */
    static final int RECORDS = PER_SECOND * (int) (2 + WARM_UP.toSeconds() + STALL.toSeconds() + RECOVERY.toSeconds());
    /** Both consumers run with exactly these client settings. */
    static final Map<String, Object> TIMEOUTS = Map.of(
            ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) MAX_POLL_INTERVAL.toMillis(),
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2000,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);

    private StallContrast() {
    }

    /**
     * A consumer's own account of its run. (The client's {@code failed-rebalance-total} is left out:
     * every fresh member id adds one, for the MEMBER_ID_REQUIRED round trip of its first JoinGroup.)
     */
    record Counts(long joins, long clientRebalances, long revoked, long lost, long commitFailures) {
    }

    /** The consumer under test; {@link #stop()} ends it cleanly and returns what it went through. */
    interface Subject extends AutoCloseable {
        Counts stop();

        @Override
        void close();
    }

    interface SubjectFactory {
        Subject start(String topic, String table, String group);
    }

    /** What one run showed: the consumer's account, the broker's and the table's. */
    record Outcome(double stallSeconds, Counts counts, long evictions, long produced, long rows, boolean exact) {
        String verdict() {
            return (exact && rows == produced ? "yes " : "no ") + rows + "/" + produced;
        }
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        say("starting Kafka (KRaft, in this JVM) and PostgreSQL (embedded) ...");
        LocalKafka.bootstrapServers();
        LocalPostgres.jdbcUrl();
        Outcome naive;
        Outcome steady;
        try (Admin admin = LocalKafka.admin()) {
            naive = new Scenario(admin, "naive").run(NaiveConsumer::new);
            steady = new Scenario(admin, "steady-sink").run(StallContrast::steadySink);
        }
        System.out.printf("%n%-36s %18s %18s%n", "", "naive consumer", "steady-sink");
        row("stall (table locked)", String.format(Locale.ROOT, "%.0f s", naive.stallSeconds()),
                String.format(Locale.ROOT, "%.0f s", steady.stallSeconds()));
        row("joins (partitions assigned)", naive.counts().joins(), steady.counts().joins());
        row("rebalances incl. first join (client)", naive.counts().clientRebalances(),
                steady.counts().clientRebalances());
        row("partitions revoked / lost", naive.counts().revoked() + " / " + naive.counts().lost(),
                steady.counts().revoked() + " / " + steady.counts().lost());
        row("evictions (member id changed)", naive.evictions(), steady.evictions());
        row("commit failures", naive.counts().commitFailures(), steady.counts().commitFailures());
        row("rows == records produced", naive.verdict(), steady.verdict());
        say("revoked / lost: rebalance callbacks that took partitions away; 'yes': each record exactly once");
        say("wall time %.0f s", (System.nanoTime() - start) / 1e9);
        System.exit(0); // the in-JVM broker's threads are not daemons
    }

    /** One consumer through warm-up, stall, recovery and catch-up, on its own topic, table and group. */
    private static final class Scenario {
        private final Admin admin;
        private final String name;
        private final String group;
        private final AppendTable table;
        private final Set<String> memberIds = new LinkedHashSet<>();
        private FlowingTopic topic;
        private long lastReport;

        Scenario(Admin admin, String name) {
            this.admin = admin;
            this.name = name;
            this.group = "contrast-" + name;
            this.table = new AppendTable("contrast_" + name.replace('-', '_'));
        }

        Outcome run(SubjectFactory factory) throws Exception {
            topic = new FlowingTopic(group, PARTITIONS, RECORDS);
            say("%s: %d records at ~%d/s to %s (%d partitions), into table %s, as group %s", name, RECORDS,
                    PER_SECOND, group, PARTITIONS, table.name(), group);
            try (Subject subject = factory.start(group, table.name(), group)) {
                topic.start(PER_SECOND);
                watch("starting", Duration.ofSeconds(60), () -> table.rows() > 0);
                watch("warm-up", WARM_UP, () -> false);
                Set<String> before = members();
                long stallStart = System.nanoTime();
                try (Connection locker = LocalPostgres.dataSource().getConnection()) {
                    locker.setAutoCommit(false);
                    try (Statement lock = locker.createStatement()) {
                        // blocks every write to the table; reads (the row counts) still pass
                        lock.execute("LOCK TABLE " + table.name() + " IN EXCLUSIVE MODE");
                    }
                    watch("stall", STALL, () -> false);
                    locker.rollback();
                }
                double stallSeconds = (System.nanoTime() - stallStart) / 1e9;
                watch("recovery", RECOVERY, () -> false);
                say("%s: member ids before the stall %s, after %s", name, before, members());
                watch("catch-up", Duration.ofSeconds(60), () -> topic.isDone() && table.rows() == RECORDS);
                Counts counts = subject.stop();
                Map<String, Integer> produced = topic.produced();
                // every distinct member id beyond the first is the consumer coming back after an eviction
                return new Outcome(stallSeconds, counts, Math.max(0, memberIds.size() - 1), produced.size(),
                        table.rows(), table.contents().equals(produced));
            }
        }

        /** Runs {@code phase} for {@code duration} or until {@code done}, watching the group every second. */
        private void watch(String phase, Duration duration, BooleanSupplier done) throws Exception {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end && !done.getAsBoolean()) {
                Thread.sleep(1_000);
                int members = members().size();
                if (System.nanoTime() - lastReport >= TimeUnit.SECONDS.toNanos(5)) {
                    lastReport = System.nanoTime();
                    say("%-11s | %-9s | %6d produced | %6d rows | members %d", name, phase, topic.produced().size(),
                            table.rows(), members);
                }
            }
        }

        /** Consumer ids of the group's members, as the broker's group coordinator sees them. */
        private Set<String> members() throws Exception {
            Set<String> ids = new LinkedHashSet<>();
            admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members()
                    .stream().map(MemberDescription::consumerId).forEach(ids::add);
            memberIds.addAll(ids);
            return ids;
        }
    }

    /** The classic failure: a poll loop that writes each record on the polling thread. */
    private static final class NaiveConsumer implements Subject, ConsumerRebalanceListener {
        private final KafkaConsumer<String, String> consumer;
        private final String insert;
        private final Thread loop;
        private final AtomicLong joins = new AtomicLong();
        private final AtomicLong revoked = new AtomicLong();
        private final AtomicLong lost = new AtomicLong();
        private final AtomicLong commitFailures = new AtomicLong();
        private Counts stopped;

        NaiveConsumer(String topic, String table, String group) {
            LocalPostgres.migrate(SinkMode.APPEND, table);
            insert = "INSERT INTO " + table + " (kafka_topic, kafka_partition, kafka_offset, kafka_key, payload,"
                    + " headers, event_time) VALUES (?, ?, ?, ?, ?::jsonb, '{}'::jsonb, to_timestamp(? / 1000.0))"
                    + " ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING";
            Map<String, Object> config = new HashMap<>(TIMEOUTS);
            config.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, group,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
            consumer = new KafkaConsumer<>(config);
            consumer.subscribe(List.of(topic), this);
            loop = new Thread(this::pollLoop, "naive-consumer");
            loop.start();
        }

        private void pollLoop() {
            try (Connection connection = LocalPostgres.dataSource().getConnection();
                    PreparedStatement statement = connection.prepareStatement(insert)) {
                while (true) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                        // one autocommitted INSERT per record: while the table is locked, it waits, and so does poll()
                        statement.setString(1, record.topic());
                        statement.setInt(2, record.partition());
                        statement.setLong(3, record.offset());
                        statement.setString(4, record.key());
                        statement.setString(5, record.value());
                        statement.setLong(6, record.timestamp());
                        statement.executeUpdate();
                    }
                    try {
                        consumer.commitSync();
                    } catch (CommitFailedException | RebalanceInProgressException e) {
                        commitFailures.incrementAndGet();
                        say("%-11s | commit failed: %s", "naive", e.getClass().getSimpleName());
                    }
                }
            } catch (WakeupException e) {
                // stop() ends the loop
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        // counted like steady-sink counts them: only callbacks that moved partitions
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joins.addAndGet(Math.min(1, partitions.size()));
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            revoked.addAndGet(Math.min(1, partitions.size()));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            lost.addAndGet(Math.min(1, partitions.size()));
            say("%-11s | partitions lost (evicted from the group): %s", "naive", partitions);
        }

        @Override
        public synchronized Counts stop() {
            if (stopped == null) {
                consumer.wakeup();
                try {
                    loop.join(30_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                long rebalances = consumer.metrics().entrySet().stream()
                        .filter(m -> m.getKey().group().equals("consumer-coordinator-metrics")
                                && m.getKey().name().equals("rebalance-total"))
                        .mapToLong(m -> (long) ((Number) m.getValue().metricValue()).doubleValue()).sum();
                stopped = new Counts(joins.get(), rebalances, revoked.get(), lost.get(), commitFailures.get());
                consumer.close(Duration.ofSeconds(5));
            }
            return stopped;
        }

        @Override
        public void close() {
            stop();
        }
    }

    /** The packaged steady-sink, with the same client settings, reporting through /q/metrics. */
    private static Subject steadySink(String topic, String table, String group) {
        Map<String, String> env = SteadySinkProcess.appendSink(topic, group, table);
        // default statement timeout (each attempt times out during the stall and is retried); the
        // drain budget must stay below the short poll interval
        env.put("SINK_DRAIN_TIMEOUT_MS", "5000");
        TIMEOUTS.forEach((key, value) -> env.put("KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'),
                value.toString()));
        SteadySinkProcess app = SteadySinkProcess.start("contrast-steady-sink", env, false);
        say("steady-sink: java -jar %s, log in target/app-logs/contrast-steady-sink.log", SteadySinkProcess.runner());
        app.awaitStarted(Duration.ofSeconds(120));
        return new Subject() {
            @Override
            public Counts stop() {
                String metrics = app.httpGet("/q/metrics");
                // the connector's "Failed to commit" and the rebalance listener's "Could not commit", before
                // shutdown (which logs one for a wakeup, then commits the same offsets on revocation)
                long commitFailures = app.output().lines().filter(line -> line.contains("SRMSG18252")
                        || line.contains("Could not commit") || line.contains("CommitFailedException")).count();
                Counts counts = new Counts(Scrape.value(metrics, "steady_sink_rebalances_total{kind=\"assigned\"}"),
                        sum(metrics, "kafka_consumer_coordinator_rebalance_total"),
                        Scrape.value(metrics, "steady_sink_rebalances_total{kind=\"revoked\"}"),
                        Scrape.value(metrics, "steady_sink_rebalances_total{kind=\"lost\"}"), commitFailures);
                say("steady-sink: SIGTERM, exit status %d", app.stop());
                return counts;
            }

            @Override
            public void close() {
                app.close();
            }
        };
    }

    /** Sum of every sample of {@code name} (all label sets), or -1 when the application does not export it. */
    private static long sum(String metrics, String name) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*} (\\S+)$").matcher(metrics);
        long total = -1;
        while (sample.find()) {
            total = Math.max(total, 0) + (long) Double.parseDouble(sample.group(1));
        }
        return total;
    }

    private static void row(String label, Object naive, Object steady) {
        System.out.printf("%-36s %18s %18s%n", label, naive, steady);
    }

    private static void say(String format, Object... args) {
        System.out.printf("[contrast] " + format + "%n", args);
    }
}
