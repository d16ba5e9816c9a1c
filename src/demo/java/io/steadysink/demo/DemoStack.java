package io.steadysink.demo;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * README command 1: a real KRaft broker and a real PostgreSQL on this machine, the packaged
 * steady-sink consuming from one and writing to the other, and a stream of demo order events, with
 * progress printed every few seconds. Runs until Ctrl-C, or for {@code -Ddemo.seconds}.
 */
public final class DemoStack {

    static final String TOPIC = "demo-events";
    static final String TABLE = "demo_events";
    static final String DEAD_LETTERS = "demo-events-dlq";
    private static final String[] STATUSES = {"created", "paid", "packed", "shipped", "delivered"};

    private DemoStack() {
    }

    /** What one demo run achieved. */
    public record Result(long produced, long rows, double secondsToFirstRow, int liveStatus, int readyStatus) {
    }

    public static void main(String[] args) {
        long seconds = Long.getLong("demo.seconds", 0);
        Result result = run(System.getProperty("demo.mode", "append"), Integer.getInteger("demo.http-port", 8080),
                seconds > 0 ? Duration.ofSeconds(seconds) : null);
        say("done: %d events produced, %d rows in %s", result.produced(), result.rows(), TABLE);
        System.exit(result.rows() > 0 ? 0 : 1);
    }

    /** Runs the whole stack for {@code duration} (forever when {@code null}). */
    public static Result run(String mode, int httpPort, Duration duration) {
        long start = System.nanoTime();
        say("starting Kafka (KRaft, in this JVM) ...");
        String bootstrap = LocalKafka.bootstrapServers();
        LocalKafka.createTopic(TOPIC, 3);
        LocalKafka.createTopic(DEAD_LETTERS, 1);
        say("Kafka is up at %s, topic %s has 3 partitions, dead-letter topic %s", bootstrap, TOPIC, DEAD_LETTERS);
        say("starting PostgreSQL (embedded binaries) ...");
        String jdbcUrl = LocalPostgres.jdbcUrl();
        say("PostgreSQL is up at %s (user %s)", jdbcUrl, LocalPostgres.USER);

        Map<String, String> env = SteadySinkProcess.localInfrastructure(httpPort);
        env.put("SINK_TOPICS", TOPIC);
        env.put("SINK_GROUP_ID", "steady-sink-demo");
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_MODE", mode);
        env.put("SINK_TABLE", TABLE);
        env.put("SINK_DLQ_TOPIC", DEAD_LETTERS);
        say("starting steady-sink: java -jar %s (SINK_MODE=%s)", SteadySinkProcess.runner(), mode);
        AtomicLong produced = new AtomicLong();
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
            say("  rows     psql '%s' -c 'SELECT * FROM %s ORDER BY ingested_at DESC LIMIT 5'", jdbcUrl
                    .replace("jdbc:", "").replace("localhost", LocalPostgres.USER + ":" + LocalPostgres.PASSWORD
                            + "@localhost"),
                    TABLE);

            Thread producer = new Thread(() -> produce(bootstrap, produced, running), "demo-producer");
            producer.setDaemon(true);
            producer.start();

            double firstRow = -1;
            long rows = 0;
            long lastReport = 0;
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (running.get() && app.isAlive() && System.nanoTime() < end) {
                sleep(250);
                rows = LocalPostgres.queryLong("SELECT count(*) FROM " + TABLE);
                if (rows > 0 && firstRow < 0) {
                    firstRow = (System.nanoTime() - start) / 1e9;
                    say("first row landed %.1f s after the demo started", firstRow);
                }
                if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
                    lastReport = System.nanoTime();
                    say("%d events produced, %d rows in %s, %d malformed ones dead-lettered to %s, ready=%d",
                            produced.get(), rows, TABLE, deadLettered(app), DEAD_LETTERS,
                            app.httpStatus("/q/health/ready"));
                }
            }
            Result result = new Result(produced.get(), rows, firstRow, app.httpStatus("/q/health/live"),
                    app.httpStatus("/q/health/ready"));
            running.set(false);
            if (app.isAlive()) {
                say("stopping steady-sink (SIGTERM) ...");
                app.stop();
            }
            return result;
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

    /** About 20 events a second: orders moving through their statuses; one in 200 is malformed. */
    private static void produce(String bootstrap, AtomicLong produced, AtomicBoolean running) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (long n = 0; running.get(); n++) {
                long order = n / STATUSES.length;
                String status = STATUSES[(int) (n % STATUSES.length)];
                String value = String.format(Locale.ROOT,
                        "{\"order_id\":%d,\"customer\":\"c-%d\",\"amount\":%.2f,\"status\":\"%s\"}", order,
                        order % 50, 5 + (order * 7919 % 10_000) / 100.0, status);
                if (n % 200 == 199) {
                    value = value.substring(0, value.length() / 2); // cut short: not JSON, dead-lettered
                }
                producer.send(new ProducerRecord<>(TOPIC, "order-" + order, value));
                produced.incrementAndGet();
                sleep(50);
            }
        }
    }

    private static void say(String format, Object... args) {
        System.out.printf("[demo] " + format + "%n", args);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
