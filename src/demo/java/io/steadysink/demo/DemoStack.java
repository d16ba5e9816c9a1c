package io.steadysink.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.LocalRegistry;
import io.steadysink.testing.SteadySinkProcess;

/**
 * README command 1: a real KRaft broker and a real PostgreSQL on this machine, the packaged
 * steady-sink consuming from one and writing to the other, and a stream of demo order events, with
 * progress printed every few seconds. The events land in the fixed-shape table {@value #TABLE} and,
 * through the dev overlay's route file ({@value #ROUTES_FILE}, its tables created from
 * {@value #ROUTES_SQL}), in the typed tables {@value #ORDERS} and {@value #ORDER_EVENTS}. One event in
 * four also goes as Avro ({@link AvroOrderEvents}) to {@value AvroOrderEvents#TOPIC}, its schema
 * registered in a real schema registry ({@link LocalRegistry}), and lands in {@value AvroOrderEvents#TABLE}.
 * Without a Java 21+ for the registry, the demo says so and runs without the Avro part (and without the
 * Avro route, from a copy of the route file). Runs until Ctrl-C, or for {@code -Ddemo.seconds}. With
 * {@code -Ddemo.cdc=true} it runs {@link ReplicationDemo} instead.
 */
public final class DemoStack {

    /** The topic the dev overlay's route file takes. */
    static final String TOPIC = "orders";
    static final String TABLE = "demo_events";
    static final String DEAD_LETTERS = "orders-dlq";
    /** One copy for the demo and Kubernetes: the file the dev overlay mounts, and its tables. */
    static final String ROUTES_FILE = "deploy/overlays/dev/routes.yaml";
    static final String ROUTES_SQL = "deploy/overlays/dev/routes.sql";
    static final String ORDERS = "orders";
    static final String ORDER_EVENTS = "order_events";
    static final String NEWEST_ORDERS = "SELECT order_id, customer_id, amount, placed_at, status FROM " + ORDERS
            + " ORDER BY updated_at DESC, order_id LIMIT 3";
    static final String NEWEST_AVRO_ORDERS = "SELECT order_id, customer_name, amount, placed_at, status, note FROM "
            + AvroOrderEvents.TABLE + " ORDER BY updated_at DESC, order_id LIMIT 2";
    private static final String[] STATUSES = {"created", "paid", "packed", "shipped", "delivered"};
    /** Orders in flight at once: each moves one status further every {@value} events. */
    private static final int OPEN_ORDERS = 10;

    private DemoStack() {
    }

    /**
     * What one demo run achieved: {@code produced} JSON events to {@value #TOPIC}, {@code avroProduced}
     * Avro ones to {@value AvroOrderEvents#TOPIC}; {@code avroOff}: why the Avro part did not run
     * ({@code null} when it did).
     */
    public record Result(long produced, long rows, long orders, long orderEvents, long avroProduced,
            long avroOrders, String avroOff, double secondsToFirstRow, int liveStatus, int readyStatus) {
    }

    public static void main(String[] args) {
        long seconds = Long.getLong("demo.seconds", 0);
        if (Boolean.getBoolean("demo.cdc")) {
            ReplicationDemo.Result replicated = ReplicationDemo.run(Integer.getInteger("demo.http-port", 8080),
                    seconds > 0 ? Duration.ofSeconds(seconds) : null);
            say("done: %d transactions at the source, %d rows there, %d in the target, equal: %b",
                    replicated.transactions(), replicated.sourceRows(), replicated.targetRows(), replicated.equal());
            System.exit(replicated.equal() ? 0 : 1);
        }
        Result result = run(System.getProperty("demo.mode", "append"), Integer.getInteger("demo.http-port", 8080),
                seconds > 0 ? Duration.ofSeconds(seconds) : null);
        say("done: %d events produced (and %d Avro ones), %d rows in %s, %d in %s, %d in %s, %d in %s",
                result.produced(), result.avroProduced(), result.rows(), TABLE, result.orders(), ORDERS,
                result.orderEvents(), ORDER_EVENTS, result.avroOrders(), AvroOrderEvents.TABLE);
        System.exit(result.rows() > 0 && result.orders() > 0 && (result.avroOff() != null || result.avroOrders() > 0)
                ? 0
                : 1);
    }

    /** Runs the whole stack for {@code duration} (forever when {@code null}). */
    public static Result run(String mode, int httpPort, Duration duration) {
        long start = System.nanoTime();
        say("starting the schema registry (Apicurio Registry, a JVM of its own) in the background ...");
        CompletableFuture<String> registry = CompletableFuture.supplyAsync(LocalRegistry::url);
        say("starting Kafka (KRaft, in this JVM) ...");
        String bootstrap = LocalKafka.bootstrapServers();
        LocalKafka.createTopic(TOPIC, 3);
        LocalKafka.createTopic(AvroOrderEvents.TOPIC, 3);
        LocalKafka.createTopic(DEAD_LETTERS, 1);
        say("Kafka is up at %s, topics %s and %s have 3 partitions, dead-letter topic %s", bootstrap, TOPIC,
                AvroOrderEvents.TOPIC, DEAD_LETTERS);
        say("starting PostgreSQL (embedded binaries) ...");
        String jdbcUrl = LocalPostgres.jdbcUrl();
        say("PostgreSQL is up at %s (user %s)", jdbcUrl, LocalPostgres.USER);
        Path routes = Path.of(ROUTES_FILE).toAbsolutePath();
        LocalPostgres.execute(read(Path.of(ROUTES_SQL)));
        say("created the typed tables %s, %s and %s (%s) for the route file %s", ORDERS, ORDER_EVENTS,
                AvroOrderEvents.TABLE, ROUTES_SQL, ROUTES_FILE);
        String registryUrl = null;
        String avroOff = null;
        int schemaId = 0;
        try {
            registryUrl = registry.join();
            schemaId = LocalRegistry.register(AvroOrderEvents.SUBJECT, LocalRegistry.AVRO,
                    AvroOrderEvents.SCHEMA_TEXT);
            say("schema registry is up at %s, Avro schema %s registered under %s: id %d", registryUrl,
                    AvroOrderEvents.SCHEMA.getFullName(), AvroOrderEvents.SUBJECT, schemaId);
        } catch (CompletionException e) {
            // LocalRegistry's reason, e.g. no Java 21+ to run it with: its first line
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            avroOff = String.valueOf(cause.getMessage()).lines().findFirst().orElse(cause.toString());
            routes = AvroOrderEvents.withoutAvroRoute(routes);
            say("the Avro part is off (no events to %s, no route %s): %s", AvroOrderEvents.TOPIC, AvroOrderEvents.ROUTE,
                    avroOff);
        }

        Map<String, String> env = SteadySinkProcess.localInfrastructure(httpPort);
        env.put("SINK_TOPICS", TOPIC);
        env.put("SINK_GROUP_ID", "steady-sink-demo");
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_MODE", mode);
        env.put("SINK_TABLE", TABLE);
        env.put("SINK_DLQ_TOPIC", DEAD_LETTERS);
        env.put("SINK_ROUTES_FILE", routes.toString());
        if (registryUrl != null) {
            env.put("SINK_SCHEMA_REGISTRY_URL", registryUrl);
        }
        say("starting steady-sink: java -jar %s (SINK_MODE=%s, SINK_ROUTES_FILE=%s%s)", SteadySinkProcess.runner(),
                mode, avroOff == null ? ROUTES_FILE : routes + ": " + ROUTES_FILE + " without " + AvroOrderEvents.ROUTE,
                registryUrl == null ? "" : ", SINK_SCHEMA_REGISTRY_URL=" + registryUrl);
        AtomicLong produced = new AtomicLong();
        AtomicLong producedAvro = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        try (SteadySinkProcess app = SteadySinkProcess.start("demo", env, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.set(false);
                app.close();
            }, "demo-stop"));
            app.awaitStarted(Duration.ofSeconds(120));
            say("steady-sink is up:");
            say("  health   http://localhost:%d/q/health  (live, ready, started)", httpPort);
            say("  metrics  http://localhost:%d/q/metrics  (steady_sink_*, kafka_consumer_*)", httpPort);
            String psql = jdbcUrl.replace("jdbc:", "").replace("localhost",
                    LocalPostgres.USER + ":" + LocalPostgres.PASSWORD + "@localhost");
            say("  rows     psql '%s' -c 'SELECT * FROM %s ORDER BY ingested_at DESC LIMIT 5'", psql, TABLE);
            say("  typed    psql '%s' -c 'SELECT * FROM %s ORDER BY placed_at DESC LIMIT 5'", psql, ORDERS);

            int avroSchemaId = avroOff == null ? schemaId : 0;
            Thread producer = new Thread(() -> produce(bootstrap, avroSchemaId, produced, producedAvro, running),
                    "demo-producer");
            producer.setDaemon(true);
            producer.start();

            double firstRow = -1;
            long lastReport = 0;
            int reports = 0;
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (running.get() && app.isAlive() && System.nanoTime() < end) {
                sleep(250);
                Counts counts = Counts.now();
                if (counts.rows() > 0 && firstRow < 0) {
                    firstRow = (System.nanoTime() - start) / 1e9;
                    say("first row landed %.1f s after the demo started", firstRow);
                }
                if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
                    lastReport = System.nanoTime();
                    say("%d events produced, %d rows in %s, %d malformed ones dead-lettered to %s, ready=%d",
                            produced.get(), counts.rows(), TABLE, deadLettered(app), DEAD_LETTERS,
                            app.httpStatus("/q/health/ready"));
                    say("routes: %d rows in %s (upsert by order_id), %d rows in %s", counts.orders(), ORDERS,
                            counts.orderEvents(), ORDER_EVENTS);
                    if (avroOff == null) {
                        say("avro: %d events produced to %s, %d rows in %s (upsert by order_id)", producedAvro.get(),
                                AvroOrderEvents.TOPIC, counts.avroOrders(), AvroOrderEvents.TABLE);
                    }
                    if (reports % 3 == 1) {
                        printNewestOrders();
                    }
                    if (avroOff == null && reports % 3 == 2) {
                        printNewestAvroOrders();
                    }
                    reports++;
                }
            }
            int live = app.httpStatus("/q/health/live");
            int ready = app.httpStatus("/q/health/ready");
            running.set(false);
            if (app.isAlive()) {
                say("stopping steady-sink (SIGTERM) ...");
                app.stop();
            }
            Counts counts = Counts.now(); // what the stopped instance left in the tables
            return new Result(produced.get(), counts.rows(), counts.orders(), counts.orderEvents(), producedAvro.get(),
                    counts.avroOrders(), avroOff, firstRow, live, ready);
        }
    }

    /** The rows of the four tables in one snapshot: a batch is one transaction across all of them. */
    private record Counts(long rows, long orders, long orderEvents, long avroOrders) {

        private static final String SQL = "SELECT (SELECT count(*) FROM " + TABLE + "), (SELECT count(*) FROM "
                + ORDERS + "), (SELECT count(*) FROM " + ORDER_EVENTS + "), (SELECT count(*) FROM "
                + AvroOrderEvents.TABLE + ")";

        static Counts now() {
            try (Connection connection = LocalPostgres.dataSource().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet counts = statement.executeQuery(SQL)) {
                counts.next();
                return new Counts(counts.getLong(1), counts.getLong(2), counts.getLong(3), counts.getLong(4));
            } catch (SQLException e) {
                throw new IllegalStateException(SQL, e);
            }
        }
    }

    /** The orders written last, as their typed columns hold them, one line each. */
    private static void printNewestOrders() {
        say("%s:", NEWEST_ORDERS);
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(NEWEST_ORDERS)) {
            while (rows.next()) {
                say("  %s  %3d  %8s  %s  %s", rows.getString("order_id"), rows.getLong("customer_id"),
                        rows.getBigDecimal("amount").toPlainString(),
                        rows.getObject("placed_at", OffsetDateTime.class).toInstant(), rows.getString("status"));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(NEWEST_ORDERS, e);
        }
    }

    /** The Avro orders written last, as their typed columns hold them, one line each. */
    private static void printNewestAvroOrders() {
        say("%s:", NEWEST_AVRO_ORDERS);
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(NEWEST_AVRO_ORDERS)) {
            while (rows.next()) {
                say("  %s  %-12s  %8s  %s  %-9s  %s", rows.getString("order_id"), rows.getString("customer_name"),
                        rows.getBigDecimal("amount").toPlainString(),
                        rows.getObject("placed_at", OffsetDateTime.class).toInstant(), rows.getString("status"),
                        rows.getString("note") == null ? "-" : rows.getString("note"));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(NEWEST_AVRO_ORDERS, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file.toAbsolutePath() + ": run the demo from the project's directory", e);
        }
    }

    /** Poison records handed to the dead-letter topic so far, as the application counts them. */
    private static long deadLettered(SteadySinkProcess app) {
        Matcher counts = Pattern.compile("(?m)^steady_sink_records_dead_lettered_total\\{[^}]*} (\\S+)$")
                .matcher(app.httpGet("/q/metrics"));
        long total = 0;
        while (counts.find()) {
            total += (long) Double.parseDouble(counts.group(1));
        }
        return total;
    }

    /**
     * About 20 events a second: {@value #OPEN_ORDERS} orders at a time moving through their statuses,
     * each event keyed by its order's uuid, so every order is written five times; one in 200 is malformed.
     * With a schema id ({@code avroSchemaId > 0}), every fourth event (about 5 a second) also goes, the
     * same values in Avro, to {@value AvroOrderEvents#TOPIC}.
     */
    private static void produce(String bootstrap, int avroSchemaId, AtomicLong produced, AtomicLong producedAvro,
            AtomicBoolean running) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long[] placedAt = new long[OPEN_ORDERS];
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (long n = 0; running.get(); n++) {
                int slot = (int) (n % OPEN_ORDERS);
                long step = n / OPEN_ORDERS + slot; // slots out of phase: open orders differ in status
                long order = step / STATUSES.length * OPEN_ORDERS + slot;
                String status = STATUSES[(int) (step % STATUSES.length)];
                if (status.equals(STATUSES[0]) || placedAt[slot] == 0) {
                    placedAt[slot] = System.currentTimeMillis();
                }
                String orderId = UUID.nameUUIDFromBytes(("demo-order-" + order).getBytes(StandardCharsets.UTF_8))
                        .toString();
                long customerId = order % 50;
                BigDecimal amount = BigDecimal.valueOf(500 + order * 7919 % 10_000, 2);
                boolean express = order % 3 == 0;
                String value = String.format(Locale.ROOT, "{\"order_id\":\"%s\",\"customer\":{\"id\":%d},"
                        + "\"amount\":%s,\"placed_at\":%d,\"status\":\"%s\",\"items\":%d,\"express\":%b}",
                        orderId, customerId, amount.toPlainString(), placedAt[slot], status, 1 + order % 4, express);
                if (n % 200 == 199) {
                    value = value.substring(0, value.length() / 2); // cut short: not JSON, dead-lettered
                }
                producer.send(new ProducerRecord<>(TOPIC, orderId, value.getBytes(StandardCharsets.UTF_8)));
                produced.incrementAndGet();
                if (avroSchemaId > 0 && n % 4 == 0) {
                    producer.send(new ProducerRecord<>(AvroOrderEvents.TOPIC, orderId, AvroOrderEvents.event(
                            avroSchemaId, orderId, customerId, amount, placedAt[slot], status, express)));
                    producedAvro.incrementAndGet();
                }
                sleep(50);
            }
        }
    }

    static void say(String format, Object... args) {
        System.out.printf("[demo] " + format + "%n", args);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
