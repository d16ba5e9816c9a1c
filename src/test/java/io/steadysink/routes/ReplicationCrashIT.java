package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.rows;
import static io.steadysink.routes.RouteFixture.utc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.testing.DebeziumConnect;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SourcePostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * Two tables of a source PostgreSQL (one with {@code REPLICA IDENTITY FULL}, one with the default)
 * captured by the real Debezium connector on Kafka Connect,
 * replicated by the packaged application (change-event routes) into a second database while a
 * writer changes the source without pause: inserts, updates, deletes, re-inserts of deleted keys,
 * primary-key changes (to new keys and back to deleted ones), a delete and re-insert of one key in one
 * commit, and transactions over both tables. The application is killed with SIGKILL
 * mid-stream twice and restarted each time; once the source stops and the group has committed
 * everything, the target tables equal the source tables. Then the group consumes both topics again
 * from offset 0: every record is read once more and not one row changes, its coordinates included,
 * and deleted rows stay deleted.
 */
class ReplicationCrashIT {

    private static final String CAPTURE = "crash";
    private static final String SOURCE = "crash_source";
    private static final String TARGET = "crash_replica";
    private static final String CUSTOMERS_TOPIC = CAPTURE + "." + SOURCE + ".customers";
    private static final String ORDERS_TOPIC = CAPTURE + "." + SOURCE + ".orders";
    private static final List<String> TOPICS = List.of(CUSTOMERS_TOPIC, ORDERS_TOPIC);
    private static final int PARTITIONS = 3;
    private static final String GROUP = "replication-crash-it";
    /** Static membership: a restarted instance takes its partitions back at once instead of after the session timeout. */
    private static final String INSTANCE = "replication-crash-0";
    private static final String DLQ = "replication-crash-dlq";
    private static final int KILLS = 2;
    /** Records each instance writes before it is killed (or, the last one, before the source stops). */
    private static final long WRITTEN_PER_LIFE = 200;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static final String CUSTOMER_COLUMNS = "id, name, email, credit, updated";
    private static final String ORDER_COLUMNS = "id, customer_id, amount, status, tags, note, placed_at";
    private static final String ROUTES = "'replicated-customers', 'replicated-orders'";

    @Test
    void killedTwiceMidStreamThenReplayedFromOffsetZeroTheTargetTablesEqualTheSourceTables() throws Exception {
        createTables();
        // Connect would create one partition per table; three let batches of one table run in parallel
        TOPICS.forEach(topic -> LocalKafka.createTopic(topic, PARTITIONS));
        LocalKafka.createTopic(DLQ, 1);
        SourceWriter writer = new SourceWriter();
        writer.seed(20); // captured by the snapshot (op r)
        DebeziumConnect.capture(CAPTURE, SOURCE);
        Map<String, String> env = env(RouteFixture.routeFile("""
                routes:
                  replicated-customers:
                    topics: [%s]
                    table: %s.customers
                    mode: change-events
                  replicated-orders:
                    topics: [%s]
                    table: %s.orders
                    mode: change-events
                """.formatted(CUSTOMERS_TOPIC, TARGET, ORDERS_TOPIC, TARGET)));
        // many small batches: several in flight on the workers when the process is killed
        Map<String, String> streaming = new HashMap<>(env);
        streaming.put("KAFKA_MAX_POLL_RECORDS", "50");

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            writer.start();
            long writtenByEach = 0; // what the killed instances wrote, at least, and then the last one
            for (int life = 1; life <= KILLS; life++) {
                SteadySinkProcess app = SteadySinkProcess.start("replication-crash-" + life, streaming, false)
                        .awaitStarted(WAIT);
                await().atMost(WAIT).until(() -> written(app) >= WRITTEN_PER_LIFE);
                writtenByEach += written(app);
                app.kill();
                long atKill = writer.transactions();
                await("the source keeps changing while nothing replicates").atMost(WAIT)
                        .until(() -> writer.transactions() > atKill + 20);
            }
            try (SteadySinkProcess last = SteadySinkProcess.start("replication-crash-" + (KILLS + 1), streaming,
                    false).awaitStarted(WAIT)) {
                await().atMost(WAIT).until(() -> written(last) >= WRITTEN_PER_LIFE);
                writer.stop();
                assertThat(writer.changes()).as("changes of every kind, each committed at the source")
                        .allSatisfy((kind, count) -> assertThat(count).as(kind.name()).isPositive());
                await().atMost(WAIT).untilAsserted(() -> assertTargetEqualsSource("after two kills"));
                await().atMost(WAIT).until(() -> committedLag(kafka) == 0);
                assertTargetEqualsSource("after two kills, everything committed");
                writtenByEach += written(last);
                assertThat(last.stop()).isZero();
            }
            List<String> customers = targetRows("customers");
            List<String> orders = targetRows("orders");
            List<String> tombstones = tombstones();
            assertThat(tombstones).as("deleted keys, with the coordinates of their deletes").isNotEmpty();

            long records = resetToOffsetZero(kafka);
            assertThat(writtenByEach).as("records written, each time counted: the kills left written records"
                    + " uncommitted, so they were written again").isGreaterThan(records);
            try (SteadySinkProcess replay = SteadySinkProcess.start("replication-crash-replay", env, false)
                    .awaitStarted(WAIT)) {
                await().atMost(WAIT).until(() -> committedLag(kafka) == 0);
                String metrics = replay.httpGet("/q/metrics");
                assertThat(Scrape.sum(metrics, SinkMetrics.ROUTE_RECORDS_WRITTEN + "_total"))
                        .as("records the replay consumed and wrote").isEqualTo(records);
                assertThat(Scrape.sum(metrics, SinkMetrics.RECORDS_SKIPPED + "_total"))
                        .as("records of the replay that changed no row").isEqualTo(records);
                assertThat(Scrape.sum(metrics, SinkMetrics.RECORDS_DEAD_LETTERED + "_total")).isZero();
                assertThat(targetRows("customers")).as("customers after the replay, coordinates included")
                        .containsExactlyElementsOf(customers);
                assertThat(targetRows("orders")).as("orders after the replay, coordinates included")
                        .containsExactlyElementsOf(orders);
                assertThat(tombstones()).as("tombstones after the replay")
                        .containsExactlyElementsOf(tombstones);
                assertTargetEqualsSource("after the replay");
                assertThat(replay.stop()).isZero();
            }
            assertThat(kafka.offsets().list(List.of(new TopicPartition(DLQ, 0))).values())
                    .as("nothing was dead-lettered").allSatisfy(end -> assertThat(end.offset()).isZero());
        } finally {
            writer.halt();
        }
    }

    private static void createTables() {
        SourcePostgres.execute("DROP SCHEMA IF EXISTS " + SOURCE + " CASCADE", "CREATE SCHEMA " + SOURCE,
                "CREATE TABLE " + SOURCE + ".customers (id integer PRIMARY KEY, name text NOT NULL, email text,"
                        + " credit numeric(12,2), updated timestamptz)",
                "CREATE TABLE " + SOURCE + ".orders (id uuid PRIMARY KEY, customer_id integer NOT NULL,"
                        + " amount numeric(12,2), status text, tags text[], note jsonb, placed_at timestamptz)",
                // the two shapes of change events: updates with their before image and deletes with the whole
                // row (orders), and without a before image and with only the key (customers, the default)
                "ALTER TABLE " + SOURCE + ".orders REPLICA IDENTITY FULL");
        LocalPostgres.execute("DROP SCHEMA IF EXISTS " + TARGET + " CASCADE; CREATE SCHEMA " + TARGET + ";"
                + " CREATE TABLE " + TARGET + ".customers (id integer PRIMARY KEY, name text NOT NULL, email text,"
                + " credit numeric(12,2), updated timestamptz,"
                + " kafka_topic text, kafka_partition integer, kafka_offset bigint);"
                + " CREATE TABLE " + TARGET + ".orders (id uuid PRIMARY KEY, customer_id integer NOT NULL,"
                + " amount numeric(12,2), status text, tags text[], note jsonb, placed_at timestamptz,"
                + " kafka_topic text, kafka_partition integer, kafka_offset bigint);");
        // tombstones of an earlier run of this test
        LocalPostgres.execute("DO $$ BEGIN IF to_regclass('steady_sink_route_tombstones') IS NOT NULL THEN"
                + " DELETE FROM steady_sink_route_tombstones WHERE route IN (" + ROUTES + "); END IF; END $$");
    }

    /**
     * Puts the group's committed offsets back to 0 for a replay, as an operator would: the static
     * member is removed first (it does not leave the group on shutdown). Returns the records the topics
     * hold, which the replay must consume.
     */
    private static long resetToOffsetZero(KafkaCompanion kafka) throws Exception {
        try (Admin admin = LocalKafka.admin()) {
            admin.removeMembersFromConsumerGroup(GROUP, new RemoveMembersFromConsumerGroupOptions(
                    List.of(new MemberToRemove(INSTANCE)))).all().get(30, TimeUnit.SECONDS);
        }
        kafka.consumerGroups().alterOffsets(GROUP, TOPICS.stream()
                .flatMap(topic -> IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)))
                .collect(Collectors.toMap(tp -> tp, tp -> new OffsetAndMetadata(0))));
        return committedLag(kafka);
    }

    private static Map<String, String> env(Path routes) {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_ROUTES_FILE", routes.toString());
        env.put("SINK_GROUP_ID", GROUP);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_DLQ_TOPIC", DLQ);
        env.put("KAFKA_GROUP_INSTANCE_ID", INSTANCE);
        return env;
    }

    /** Records the instance's routes wrote (replays included) since it started. */
    private static long written(SteadySinkProcess app) {
        return Scrape.sum(app.httpGet("/q/metrics"), SinkMetrics.ROUTE_RECORDS_WRITTEN + "_total");
    }

    private static long committedLag(KafkaCompanion kafka) {
        return TOPICS.stream().mapToLong(topic -> GroupProgress.committedLag(kafka, GROUP, topic, PARTITIONS)).sum();
    }

    private static void assertTargetEqualsSource(String when) throws SQLException {
        assertThat(rows(utc(LocalPostgres.dataSource().getConnection()),
                "SELECT " + CUSTOMER_COLUMNS + " FROM " + TARGET + ".customers ORDER BY id"))
                .as("customers " + when)
                .containsExactlyElementsOf(rows(utc(SourcePostgres.connect()),
                        "SELECT " + CUSTOMER_COLUMNS + " FROM " + SOURCE + ".customers ORDER BY id"));
        assertThat(rows(utc(LocalPostgres.dataSource().getConnection()),
                "SELECT " + ORDER_COLUMNS + " FROM " + TARGET + ".orders ORDER BY id"))
                .as("orders " + when)
                .containsExactlyElementsOf(rows(utc(SourcePostgres.connect()),
                        "SELECT " + ORDER_COLUMNS + " FROM " + SOURCE + ".orders ORDER BY id"));
    }

    /** Every column of the target table, the coordinates of each row's source included. */
    private static List<String> targetRows(String table) throws SQLException {
        return rows(utc(LocalPostgres.dataSource().getConnection()), "SELECT * FROM " + TARGET + "." + table
                + " ORDER BY id");
    }

    private static List<String> tombstones() {
        return rows("SELECT * FROM steady_sink_route_tombstones WHERE route IN (" + ROUTES + ")"
                + " ORDER BY route, identity");
    }

    /**
     * Changes the source tables in the background, one transaction after another, as drawn from a
     * seeded random stream, until stopped.
     */
    private static final class SourceWriter {

        enum Change {
            INSERT_CUSTOMER, UPDATE_CUSTOMER, DELETE_CUSTOMER, REINSERT_CUSTOMER, CHANGE_CUSTOMER_ID, REPLACE_CUSTOMER, INSERT_ORDER, UPDATE_ORDER, DELETE_ORDER, BOTH_TABLES
        }

        private static final String[] STATUSES = {"placed", "paid", "packed", "shipped"};
        private static final OffsetDateTime EPOCH = OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

        private final Random random = new Random(16);
        private final List<Integer> customers = new ArrayList<>();
        private final List<Integer> deletedCustomers = new ArrayList<>();
        private final List<UUID> orders = new ArrayList<>();
        private final Map<Change, Integer> changes = new EnumMap<>(Change.class);
        private final AtomicLong transactions = new AtomicLong();
        private int nextCustomer = 1;
        private volatile boolean stopping;
        private volatile Throwable failure;
        private Thread thread;

        /** Inserts {@code count} customers and orders, before the capture starts. */
        void seed(int count) throws SQLException {
            try (Connection connection = SourcePostgres.connect()) {
                for (int i = 0; i < count; i++) {
                    insertCustomer(connection);
                    insertOrder(connection);
                }
            }
        }

        void start() {
            thread = new Thread(this::run, "source-writer");
            thread.setDaemon(true);
            thread.start();
        }

        /** Stops after the transaction under way; fails if the writer failed. */
        void stop() throws InterruptedException {
            halt();
            assertThat(thread.isAlive()).as("source writer still running").isFalse();
            if (failure != null) {
                throw new AssertionError("the source writer failed", failure);
            }
        }

        /** Stops after the transaction under way, whatever became of the writer. */
        void halt() throws InterruptedException {
            stopping = true;
            if (thread != null) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }

        long transactions() {
            return transactions.get();
        }

        /** How many transactions of each kind were committed (read once stopped). */
        Map<Change, Integer> changes() {
            Map<Change, Integer> all = new EnumMap<>(Change.class);
            for (Change change : Change.values()) {
                all.put(change, changes.getOrDefault(change, 0));
            }
            return all;
        }

        private void run() {
            try (Connection connection = SourcePostgres.connect()) {
                connection.setAutoCommit(false);
                while (!stopping) {
                    Change change = change(connection);
                    connection.commit();
                    changes.merge(change, 1, Integer::sum);
                    transactions.incrementAndGet();
                    Thread.sleep(10);
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        /** One transaction's changes, not yet committed; returns its kind. */
        private Change change(Connection connection) throws SQLException {
            int draw = random.nextInt(100);
            if (draw < 15 || customers.size() < 5) {
                insertCustomer(connection);
                return Change.INSERT_CUSTOMER;
            } else if (draw < 30) {
                int id = pick(customers);
                execute(connection, "UPDATE " + SOURCE + ".customers SET name = ?, email = ?, credit = ?, updated = ?"
                        + " WHERE id = ?", "customer " + id + " #" + transactions.get(), email(id), money(),
                        timestamp(), id);
                return Change.UPDATE_CUSTOMER;
            } else if (draw < 36) {
                deleteCustomer(connection);
                return Change.DELETE_CUSTOMER;
            } else if (draw < 40 && !deletedCustomers.isEmpty()) {
                int id = deletedCustomers.remove(random.nextInt(deletedCustomers.size()));
                insertCustomer(connection, id);
                return Change.REINSERT_CUSTOMER;
            } else if (draw < 45) {
                // to a new key, or back to a deleted one
                int id = pick(customers);
                int changed = deletedCustomers.isEmpty() || random.nextBoolean()
                        ? nextCustomer++
                        : deletedCustomers.remove(random.nextInt(deletedCustomers.size()));
                execute(connection, "UPDATE " + SOURCE + ".customers SET id = ? WHERE id = ?", changed, id);
                customers.set(customers.indexOf(id), changed);
                deletedCustomers.add(id);
                return Change.CHANGE_CUSTOMER_ID;
            } else if (draw < 48) {
                // deleted and inserted again under its key in one commit
                int id = pick(customers);
                execute(connection, "DELETE FROM " + SOURCE + ".customers WHERE id = ?", id);
                customers.remove(Integer.valueOf(id));
                insertCustomer(connection, id);
                return Change.REPLACE_CUSTOMER;
            } else if (draw < 65 || orders.size() < 5) {
                insertOrder(connection);
                return Change.INSERT_ORDER;
            } else if (draw < 82) {
                execute(connection, "UPDATE " + SOURCE + ".orders SET status = ?, amount = ?, tags = ?,"
                        + " note = ?::jsonb WHERE id = ?", STATUSES[random.nextInt(STATUSES.length)], money(),
                        tags(connection), note(), pick(orders));
                return Change.UPDATE_ORDER;
            } else if (draw < 90) {
                UUID id = orders.remove(random.nextInt(orders.size()));
                execute(connection, "DELETE FROM " + SOURCE + ".orders WHERE id = ?", id);
                return Change.DELETE_ORDER;
            } else {
                // a customer with a first order, an order moving to it and a customer deleted: one commit
                int customer = insertCustomer(connection);
                insertOrder(connection, customer);
                execute(connection, "UPDATE " + SOURCE + ".orders SET customer_id = ?, status = 'moved' WHERE id = ?",
                        customer, pick(orders));
                deleteCustomer(connection);
                return Change.BOTH_TABLES;
            }
        }

        private int insertCustomer(Connection connection) throws SQLException {
            int id = nextCustomer++;
            insertCustomer(connection, id);
            return id;
        }

        private void insertCustomer(Connection connection, int id) throws SQLException {
            execute(connection, "INSERT INTO " + SOURCE + ".customers VALUES (?, ?, ?, ?, ?)",
                    id, "customer " + id, email(id), money(), timestamp());
            customers.add(id);
        }

        private void deleteCustomer(Connection connection) throws SQLException {
            int id = customers.remove(random.nextInt(customers.size()));
            execute(connection, "DELETE FROM " + SOURCE + ".customers WHERE id = ?", id);
            deletedCustomers.add(id);
        }

        private void insertOrder(Connection connection) throws SQLException {
            insertOrder(connection, customers.isEmpty() ? 0 : pick(customers));
        }

        private void insertOrder(Connection connection, int customer) throws SQLException {
            UUID id = new UUID(random.nextLong(), random.nextLong());
            execute(connection, "INSERT INTO " + SOURCE + ".orders VALUES (?, ?, ?, 'placed', ?, ?::jsonb, ?)",
                    id, customer, money(), tags(connection), note(), timestamp());
            orders.add(id);
        }

        private <T> T pick(List<T> from) {
            return from.get(random.nextInt(from.size()));
        }

        private String email(int id) {
            return random.nextInt(4) == 0 ? null : "c" + id + "@example.org";
        }

        /** Cents from -10 000.00 to 10 000.00, negative ones and zero included. */
        private BigDecimal money() {
            return BigDecimal.valueOf(random.nextInt(2_000_001) - 1_000_000, 2);
        }

        /** A moment with microseconds, after 2026-01-01 UTC. */
        private OffsetDateTime timestamp() {
            return EPOCH.plusNanos(random.nextLong(1_000_000_000_000L) * 1_000L);
        }

        private java.sql.Array tags(Connection connection) throws SQLException {
            return switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> connection.createArrayOf("text", new String[0]);
                case 2 -> connection.createArrayOf("text", new String[]{"a", null, "c"});
                default -> connection.createArrayOf("text", new String[]{"t" + random.nextInt(100)});
            };
        }

        private String note() {
            return random.nextInt(5) == 0
                    ? null
                    : "{\"n\": " + random.nextInt(1000) + ", \"x\": [1, 2.50, null], \"s\": \"é\"}";
        }

        private static void execute(Connection connection, String sql, Object... parameters) throws SQLException {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < parameters.length; i++) {
                    statement.setObject(i + 1, parameters[i]);
                }
                statement.executeUpdate();
            }
        }
    }
}
