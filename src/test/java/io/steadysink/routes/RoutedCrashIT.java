package io.steadysink.routes;

import static io.steadysink.routes.RouteFixture.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application writing one topic through a route file into a typed upsert table and an
 * append log, killed with SIGKILL mid-stream, restarted, and then made to consume the topic again
 * from offset 0: both tables end exactly as the produced records say, each time.
 */
class RoutedCrashIT {

    private static final String TOPIC = "routed-crash-orders";
    private static final String GROUP = "routed-crash-it";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 12_000;
    private static final int ORDERS = 400;

    private static final String ORDERS_ROWS = "SELECT order_id, customer_id, amount, status, version,"
            + " (extract(epoch FROM placed_at) * 1000)::bigint, kafka_partition, kafka_offset FROM routed_crash_orders"
            + " ORDER BY order_id";
    private static final String EVENT_ROWS = "SELECT kafka_partition, kafka_offset, order_id, version, amount,"
            + " (extract(epoch FROM event_time) * 1000)::bigint FROM routed_crash_order_events"
            + " ORDER BY kafka_partition, kafka_offset";

    @Test
    void killedMidStreamRestartedAndReplayedFromOffsetZeroBothTablesEndExactlyAsTheRecordsSay() throws Exception {
        LocalPostgres.execute("""
                DROP TABLE IF EXISTS routed_crash_orders, routed_crash_order_events;
                CREATE TABLE routed_crash_orders (order_id uuid PRIMARY KEY, customer_id bigint NOT NULL,
                    amount numeric(12,2), status text, version integer NOT NULL, placed_at timestamptz,
                    kafka_topic text, kafka_partition integer, kafka_offset bigint);
                CREATE TABLE routed_crash_order_events (kafka_topic text NOT NULL, kafka_partition integer NOT NULL,
                    kafka_offset bigint NOT NULL, order_id uuid NOT NULL, version integer, amount numeric(12,2),
                    event_time timestamptz, UNIQUE (kafka_topic, kafka_partition, kafka_offset));
                """);
        // tombstones of an earlier run of this test
        LocalPostgres.execute("DO $$ BEGIN IF to_regclass('steady_sink_route_tombstones') IS NOT NULL THEN"
                + " DELETE FROM steady_sink_route_tombstones WHERE route = 'crash-orders'; END IF; END $$");
        Path routes = RouteFixture.routeFile("""
                routes:
                  crash-orders:
                    topics: [%1$s]
                    table: routed_crash_orders
                    mode: upsert
                    identity: [order_id]
                    tombstones: delete
                    columns:
                      order_id: key
                      customer_id: /customer/id
                      amount: /amount
                      status: /status
                      version: /version
                      placed_at: /placed_at
                    epoch-units:
                      placed_at: millis
                  crash-order-events:
                    topics: [%1$s]
                    table: routed_crash_order_events
                    columns:
                      order_id: key
                      version: /version
                      amount: /amount
                      event_time: kafka:timestamp
                """.formatted(TOPIC));
        Stream stream = new Stream();

        try (KafkaCompanion kafka = new KafkaCompanion(LocalKafka.bootstrapServers())) {
            SteadySinkProcess first = SteadySinkProcess.start("routed-crash-first", env(routes), false)
                    .awaitStarted(Duration.ofSeconds(60));
            stream.start(2_000);
            await().atMost(Duration.ofSeconds(60)).until(() -> LocalPostgres.queryLong(
                    "SELECT count(*) FROM routed_crash_order_events") >= RECORDS / 5);
            first.kill();
            assertThat(stream.isDone()).as("killed while records were still arriving").isFalse();

            try (SteadySinkProcess second = SteadySinkProcess.start("routed-crash-second", env(routes), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                assertThat(stream.awaitDone(Duration.ofSeconds(60))).as("producer finished").isTrue();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(rows(EVENT_ROWS)).as("the log: every record once, at its own coordinates")
                        .containsExactlyElementsOf(stream.events());
                assertThat(rows(ORDERS_ROWS)).as("the orders: each order's newest record, deleted by a newest"
                        + " tombstone").containsExactlyElementsOf(stream.orders());
                assertThat(second.stop()).isZero();
            }

            kafka.consumerGroups().alterOffsets(GROUP, IntStream.range(0, PARTITIONS).boxed().collect(
                    Collectors.toMap(p -> new TopicPartition(TOPIC, p), p -> new OffsetAndMetadata(0))));
            assertThat(GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS)).isEqualTo(RECORDS);

            try (SteadySinkProcess replay = SteadySinkProcess.start("routed-crash-replay", env(routes), false)
                    .awaitStarted(Duration.ofSeconds(60))) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                        .until(() -> GroupProgress.committedLag(kafka, GROUP, TOPIC, PARTITIONS) == 0);
                assertThat(rows(EVENT_ROWS)).as("the log after the replay").containsExactlyElementsOf(stream.events());
                assertThat(rows(ORDERS_ROWS)).as("the orders after the replay")
                        .containsExactlyElementsOf(stream.orders());
                assertThat(replay.stop()).isZero();
            }
        }
    }

    private static Map<String, String> env(Path routes) {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("SINK_ROUTES_FILE", routes.toString());
        env.put("SINK_GROUP_ID", GROUP);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("KAFKA_MAX_POLL_RECORDS", "50");
        // the killed member's partitions move once its session expires
        env.put("KAFKA_SESSION_TIMEOUT_MS", "8000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "2000");
        return env;
    }

    /**
     * Orders produced in the background: updates of {@value #ORDERS} orders and, now and then, a
     * tombstone, remembering where each landed ({@code partition, offset}) and its timestamp: the
     * oracle both tables must equal.
     */
    private static final class Stream {

        private record Sent(String key, Integer version, long timestamp) {
        }

        private final Map<List<Long>, Sent> sent = new ConcurrentHashMap<>();
        private final CountDownLatch done = new CountDownLatch(1);

        Stream() {
            LocalKafka.createTopic(TOPIC, PARTITIONS);
        }

        void start(int perSecond) {
            Thread producer = new Thread(() -> produce(perSecond), "producer-" + TOPIC);
            producer.setDaemon(true);
            producer.start();
        }

        boolean isDone() {
            return done.getCount() == 0;
        }

        boolean awaitDone(Duration timeout) throws InterruptedException {
            return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        private static String orderId(int n) {
            return "00000000-0000-0000-0000-%012d".formatted(n);
        }

        private static String amount(int version) {
            return (version * 7919 % 1_000_000) / 100 + "." + "%02d".formatted(version % 100);
        }

        private static long placedAt(int version) {
            return 1_767_225_600_000L + version * 1_000L;
        }

        private void produce(int perSecond) {
            Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            Random random = new Random(14);
            int chunk = Math.max(1, perSecond / 10);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
                for (int version = 1; version <= RECORDS; version++) {
                    String key = orderId(random.nextInt(ORDERS));
                    boolean tombstone = random.nextInt(10) == 0;
                    Integer written = tombstone ? null : version;
                    String value = tombstone
                            ? null
                            : "{\"customer\":{\"id\":" + (version % 97) + "},\"amount\":\""
                                    + amount(version) + "\",\"status\":\"" + (version % 2 == 0 ? "paid" : "placed")
                                    + "\",\"version\":" + version + ",\"placed_at\":" + placedAt(version) + "}";
                    producer.send(new ProducerRecord<>(TOPIC, key, value), (metadata, error) -> {
                        if (error == null) {
                            sent.put(List.of((long) metadata.partition(), metadata.offset()),
                                    new Sent(key, written, metadata.timestamp()));
                        }
                    });
                    if (version % chunk == 0) {
                        Thread.sleep(100);
                    }
                }
                producer.flush();
                if (sent.size() == RECORDS) {
                    done.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private TreeMap<List<Long>, Sent> inOrder() {
            TreeMap<List<Long>, Sent> ordered = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
                    ? Long.compare(a.get(1), b.get(1))
                    : Long.compare(a.get(0), b.get(0)));
            ordered.putAll(sent);
            return ordered;
        }

        /** The log: every record with a value, by partition and offset. */
        List<String> events() {
            List<String> rows = new ArrayList<>();
            inOrder().forEach((at, record) -> {
                if (record.version() != null) {
                    rows.add(at.get(0) + "|" + at.get(1) + "|" + record.key() + "|" + record.version() + "|"
                            + amount(record.version()) + "|" + record.timestamp());
                }
            });
            return rows;
        }

        /** The orders: per order its newest record (one key, one partition), absent when that is a tombstone. */
        List<String> orders() {
            Map<String, String> newest = new TreeMap<>();
            inOrder().forEach((at, record) -> {
                Integer v = record.version();
                newest.put(record.key(), v == null
                        ? null
                        : record.key() + "|" + (v % 97) + "|" + amount(v) + "|"
                                + (v % 2 == 0 ? "paid" : "placed") + "|" + v + "|" + placedAt(v) + "|" + at.get(0) + "|"
                                + at.get(1));
            });
            List<String> rows = new ArrayList<>();
            newest.values().stream().filter(row -> row != null).forEach(rows::add);
            assertThat(rows).as("some orders end deleted").hasSizeLessThan(newest.size());
            return rows;
        }
    }
}
