package io.steadysink.demo;

import static io.steadysink.demo.DemoStack.say;
import static io.steadysink.demo.DemoStack.sleep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.steadysink.testing.DebeziumConnect;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SourcePostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * {@code ./mvnw -Pdemo package -Ddemo.cdc=true}: database replication with real parts. A source
 * PostgreSQL with logical decoding ({@link SourcePostgres}) is captured by Debezium's PostgreSQL
 * connector on Kafka Connect ({@link DebeziumConnect}) into the local broker, and the packaged
 * steady-sink replicates its tables ({@value #SOURCE_SQL}) through the route file
 * {@value #ROUTES_FILE} into the demo database ({@value #TARGET_SQL}), while a writer at the source
 * inserts, updates and deletes. Every five seconds it prints the row counts at both ends and the
 * replication lag; at the end it stops the writer and compares the tables in full.
 */
public final class ReplicationDemo {

    static final String SOURCE_SQL = "src/demo/replicate/source.sql";
    static final String TARGET_SQL = "src/demo/replicate/target.sql";
    static final String ROUTES_FILE = "src/demo/replicate/routes.yaml";
    /** Debezium's topic prefix: topics are {@code demo.shop.<table>}, as the route file names them. */
    static final String CAPTURE = "demo";
    static final List<String> TABLES = List.of("customers", "orders");
    private static final Map<String, String> COLUMNS = Map.of("customers", "id, name, email", "orders",
            "id, customer_id, amount, placed_at, status, tags");
    /** An order's statuses in order, as SQL: the writer moves orders along it. */
    private static final String STATUSES = "ARRAY['placed', 'paid', 'packed', 'shipped', 'delivered']";

    private ReplicationDemo() {
    }

    /** What one run achieved: the source's and the target's rows at the end, and whether they were equal. */
    public record Result(long transactions, long sourceRows, long targetRows, boolean equal) {
    }

    /** Runs the pipeline for {@code duration} (until Ctrl-C when {@code null}). */
    public static Result run(int httpPort, Duration duration) {
        say("starting Kafka (KRaft, in this JVM) ...");
        String bootstrap = LocalKafka.bootstrapServers();
        say("Kafka is up at %s", bootstrap);
        say("starting the source PostgreSQL (embedded binaries, wal_level=logical) and the target PostgreSQL ...");
        SourcePostgres.execute(read(SOURCE_SQL));
        LocalPostgres.execute(read(TARGET_SQL));
        say("source %s: tables shop.customers, shop.orders (%s)", SourcePostgres.jdbcUrl(), SOURCE_SQL);
        say("target %s: tables replica.customers, replica.orders (%s)", LocalPostgres.jdbcUrl(), TARGET_SQL);
        say("starting Kafka Connect with Debezium's PostgreSQL connector (log: target/debezium-connect/connect.log) ...");
        long connectStart = System.nanoTime();
        DebeziumConnect.Capture capture = DebeziumConnect.capture(CAPTURE, "shop");
        say("Debezium streams the schema shop to %s and %s (%.1f s)", capture.topic("shop", "customers"),
                capture.topic("shop", "orders"), (System.nanoTime() - connectStart) / 1e9);

        Map<String, String> env = SteadySinkProcess.localInfrastructure(httpPort);
        env.put("SINK_ROUTES_FILE", Path.of(ROUTES_FILE).toAbsolutePath().toString());
        env.put("SINK_GROUP_ID", "steady-sink-replication-demo");
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        say("starting steady-sink: java -jar %s (SINK_ROUTES_FILE=%s)", SteadySinkProcess.runner(), ROUTES_FILE);
        Changes changes = new Changes();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicBoolean running = new AtomicBoolean(true);
        try (SteadySinkProcess app = SteadySinkProcess.start("replication-demo", env, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.set(false);
                app.close();
            }, "demo-stop"));
            app.awaitStarted(Duration.ofSeconds(120));
            say("steady-sink is up: metrics http://localhost:%d/q/metrics (steady_sink_replication_lag_*)", httpPort);
            say("  source psql '%s'", psql(SourcePostgres.jdbcUrl(), SourcePostgres.USER, SourcePostgres.PASSWORD));
            say("  target psql '%s'", psql(LocalPostgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD));

            Thread writer = new Thread(() -> write(changes, writing), "demo-source-writer");
            writer.setDaemon(true);
            writer.start();

            long lastReport = 0;
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
            while (running.get() && app.isAlive() && System.nanoTime() < end) {
                sleep(250);
                if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
                    lastReport = System.nanoTime();
                    report(app, changes);
                }
            }
            writing.set(false);
            join(writer);
            say("the writer stopped after %s; waiting for the target to catch up ...", changes);
            boolean equal = false;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (app.isAlive() && !equal && System.nanoTime() < deadline) {
                sleep(500);
                equal = TABLES.stream().allMatch(table -> contents(true, table).equals(contents(false, table)));
            }
            report(app, changes);
            for (String table : TABLES) {
                say("replica.%s %s shop.%s (every row and column compared)", table,
                        contents(true, table).equals(contents(false, table)) ? "equals" : "DIFFERS FROM", table);
            }
            long sourceRows = TABLES.stream().mapToLong(table -> count(true, table)).sum();
            long targetRows = TABLES.stream().mapToLong(table -> count(false, table)).sum();
            if (app.isAlive()) {
                say("stopping steady-sink (SIGTERM) ...");
                app.stop();
            }
            return new Result(changes.transactions().get(), sourceRows, targetRows, equal);
        }
    }

    /** One progress line: the rows at both ends, and the replication lag the application reports. */
    private static void report(SteadySinkProcess app, Changes changes) {
        String metrics = app.httpGet("/q/metrics");
        StringBuilder line = new StringBuilder();
        for (String table : TABLES) {
            line.append(String.format(Locale.ROOT, "%s %d -> %d, ", table, count(true, table), count(false, table)));
        }
        double count = 0;
        double sum = 0;
        double latest = 0;
        Matcher samples = LAG.matcher(metrics);
        while (samples.find()) {
            double value = Double.parseDouble(samples.group(2));
            switch (samples.group(1)) {
                case "_seconds_count" -> count += value;
                case "_seconds_sum" -> sum += value;
                default -> latest = Math.max(latest, value);
            }
        }
        say("%s", changes);
        say("  rows source -> target: %sreplication lag: newest batch %.3f s, mean %.3f s over %.0f events", line,
                latest, count == 0 ? 0 : sum / count, count);
    }

    private static final Pattern LAG = Pattern
            .compile("(?m)^steady_sink_replication_lag(_seconds_count|_seconds_sum|_latest_seconds)\\{[^}]*} (\\S+)$");

    /** What the writer changed at the source so far. */
    private record Changes(AtomicLong transactions, AtomicLong inserts, AtomicLong updates, AtomicLong deletes) {

        Changes() {
            this(new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d transactions at the source (%d inserts, %d updates, %d deletes)",
                    transactions.get(), inserts.get(), updates.get(), deletes.get());
        }
    }

    /**
     * About ten transactions a second at the source: new orders, the oldest open orders moving one
     * status further, the oldest delivered order deleted, now and then a changed email, and every
     * 25th a new customer with an order in one transaction over both tables.
     */
    private static void write(Changes changes, AtomicBoolean writing) {
        Random random = new Random(16);
        int customers = 3;
        try (Connection connection = SourcePostgres.connect(); Statement statement = connection.createStatement()) {
            for (long n = 1; writing.get(); n++) {
                if (n % 25 == 0) {
                    customers++;
                    connection.setAutoCommit(false);
                    changes.inserts().addAndGet(statement.executeUpdate("INSERT INTO shop.customers VALUES ("
                            + customers + ", 'customer " + customers + "', NULL)"));
                    changes.inserts().addAndGet(statement.executeUpdate(newOrder(customers, random)));
                    connection.commit();
                    connection.setAutoCommit(true);
                } else if (n % 10 == 0) {
                    int customer = 1 + random.nextInt(customers);
                    changes.updates().addAndGet(statement.executeUpdate("UPDATE shop.customers SET email = 'c"
                            + customer + "-" + n + "@example.org' WHERE id = " + customer));
                } else if (n % 5 == 0) {
                    changes.deletes().addAndGet(statement.executeUpdate("DELETE FROM shop.orders WHERE id = (SELECT id"
                            + " FROM shop.orders WHERE status = 'delivered' ORDER BY placed_at LIMIT 1)"));
                } else if (n % 2 == 0) {
                    changes.updates().addAndGet(statement.executeUpdate("UPDATE shop.orders SET status = (" + STATUSES
                            + ")[array_position(" + STATUSES
                            + ", status) + 1], amount = amount + 1 WHERE id = (SELECT id"
                            + " FROM shop.orders WHERE status <> 'delivered' ORDER BY placed_at LIMIT 1 OFFSET "
                            + random.nextInt(5) + ")"));
                } else {
                    changes.inserts()
                            .addAndGet(statement.executeUpdate(newOrder(1 + random.nextInt(customers), random)));
                }
                changes.transactions().incrementAndGet();
                sleep(100);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("The demo's writer failed at the source", e);
        }
    }

    private static String newOrder(int customer, Random random) {
        return String.format(Locale.ROOT, "INSERT INTO shop.orders VALUES (gen_random_uuid(), %d, %.2f, now(),"
                + " 'placed', ARRAY['demo', NULL])", customer, 1 + random.nextInt(20_000) / 100.0);
    }

    /** A table's rows as text, ordered by primary key, times in UTC: the same at both ends when replicated. */
    private static List<String> contents(boolean source, String table) {
        String sql = "SELECT " + COLUMNS.get(table) + " FROM " + (source ? "shop." : "replica.") + table
                + " ORDER BY id";
        try (Connection connection = connect(source); Statement statement = connection.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
            List<String> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery(sql)) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int column = 1; column <= columns; column++) {
                        row.append(result.getString(column)).append('|');
                    }
                    rows.add(row.toString());
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static long count(boolean source, String table) {
        String sql = "SELECT count(*) FROM " + (source ? "shop." : "replica.") + table;
        try (Connection connection = connect(source);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    private static Connection connect(boolean source) throws SQLException {
        return source ? SourcePostgres.connect() : LocalPostgres.dataSource().getConnection();
    }

    private static String psql(String jdbcUrl, String user, String password) {
        return jdbcUrl.replace("jdbc:", "").replace("localhost", user + ":" + password + "@localhost");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    Path.of(file).toAbsolutePath() + ": run the demo from the project's directory",
                    e);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
