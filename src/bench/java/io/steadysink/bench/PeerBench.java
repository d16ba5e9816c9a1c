package io.steadysink.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import io.steadysink.testing.LocalKafka;

/**
 * Kafka Connect with Debezium's JDBC sink connector (the peer) and steady-sink, side by side on one
 * topic of {@link EnvelopeData} records, writing the same six typed columns: the peer's
 * {@code insert} mode beside steady-sink's typed append route, its {@code upsert} mode beside the
 * typed upsert route, each pair back to back, each run into a fresh table with a fresh consumer
 * group reading the whole topic. Each run's rate is taken from its first row written to its last,
 * its CPU time per million records for its own process and PostgreSQL's, its peak RSS, and its
 * table is checked afterwards (every record once, or every key at its last value).
 */
final class PeerBench {

    static final String CONNECTOR_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector";
    /** How often the peer's tasks commit their offsets: the precision of the upsert run's end. */
    static final long OFFSET_FLUSH_MS = 100;

    private final Benchmark bench;
    private final int records;
    private final int tasks = Integer.getInteger("bench.peer-tasks", 2);
    private final int batch = Integer.getInteger("bench.peer-batch", 2000);
    private final int workers = Integer.getInteger("bench.workers", 4);
    private final String bootstrap;
    private final int postgresPort;
    /** The load average right after each run. */
    private final Map<Benchmark.Run, String> loads = new java.util.IdentityHashMap<>();

    PeerBench(Benchmark bench, int records, String bootstrap, int postgresPort) {
        this.bench = bench;
        this.records = records;
        this.bootstrap = bootstrap;
        this.postgresPort = postgresPort;
    }

    /** Produces the topic, runs the four steps and returns their rows (and the ratios). */
    List<Benchmark.Row> run() throws Exception {
        String topic = EnvelopeData.TOPIC;
        LocalKafka.createTopic(topic, 6);
        long produceStart = System.nanoTime();
        bench.produce(topic, records, 0,
                id -> new ProducerRecord<>(topic, BenchData.key(id), EnvelopeData.value(id)));
        Benchmark.say("produced %,d records in Kafka Connect's JSON envelope (%d bytes a value) in %.1f s", records,
                EnvelopeData.value(records / 2).length(), Benchmark.seconds(produceStart));

        Benchmark.Run peerInsert = loaded(peer("insert"));
        Benchmark.Run sinkAppend = loaded(steadySink("append"));
        Benchmark.Run peerUpsert = loaded(peer("upsert"));
        Benchmark.Run sinkUpsert = loaded(steadySink("upsert"));

        List<Benchmark.Row> rows = new ArrayList<>();
        rows.add(new Benchmark.Row(
                "peer: Kafka Connect + Debezium JDBC sink, insert (" + tasks + (tasks == 1 ? " task)" : " tasks)"),
                peerInsert.rate(), "rows/s", peerNote(peerInsert)));
        rows.add(new Benchmark.Row("steady-sink typed append, same topic and columns (" + workers + " workers)",
                sinkAppend.rate(), "records/s", sinkNote(sinkAppend)));
        rows.add(new Benchmark.Row(
                "peer: Kafka Connect + Debezium JDBC sink, upsert (" + tasks + (tasks == 1 ? " task)" : " tasks)"),
                peerUpsert.rate(), "rows/s", peerNote(peerUpsert)));
        rows.add(new Benchmark.Row("steady-sink typed upsert, same topic and columns (" + workers + " workers)",
                sinkUpsert.rate(), "records/s", sinkNote(sinkUpsert)));
        for (String[] pair : new String[][]{{"append / insert", "a"}, {"upsert / upsert", "u"}}) {
            Benchmark.Run sink = pair[1].equals("a") ? sinkAppend : sinkUpsert;
            Benchmark.Run peer = pair[1].equals("a") ? peerInsert : peerUpsert;
            String what = "steady-sink / peer, " + pair[0] + ": ";
            rows.add(new Benchmark.Row(what + "rate", sink.rate() / peer.rate(), "x",
                    Benchmark.ratio(sink.rate(), peer.rate()) + "; load average " + loads.get(sink) + " / "
                            + loads.get(peer)));
            rows.add(new Benchmark.Row(what + "app CPU-s per 1M records",
                    sink.appCpuPerMillion() / peer.appCpuPerMillion(), "x",
                    Benchmark.ratio(sink.appCpuPerMillion(), peer.appCpuPerMillion())
                            + "; PostgreSQL CPU-s per 1M records: "
                            + Benchmark.ratio(sink.dbCpuPerMillion(), peer.dbCpuPerMillion())));
            rows.add(new Benchmark.Row(what + "peak RSS", sink.peakRssMb() / peer.peakRssMb(), "x",
                    String.format(Locale.ROOT, "%.2fx: %.0f MiB / %.0f MiB", sink.peakRssMb() / peer.peakRssMb(),
                            sink.peakRssMb(), peer.peakRssMb())));
        }
        return rows;
    }

    private Benchmark.Run loaded(Benchmark.Run run) {
        loads.put(run, Benchmark.loadAverage());
        return run;
    }

    private String peerNote(Benchmark.Run run) {
        return String.format(Locale.ROOT, "batch.size %d; peak RSS %.0f MiB; start to running %.1f s; CPU %.0f%% busy;"
                + " CPU-s per 1M records: Connect JVM %.1f, PostgreSQL %.1f; load average %s", batch, run.peakRssMb(),
                run.startToReadySeconds(), run.cpuBusy() * 100, run.appCpuPerMillion(), run.dbCpuPerMillion(),
                loads.get(run));
    }

    private String sinkNote(Benchmark.Run run) {
        return String.format(Locale.ROOT, "peak RSS %.0f MiB; start to ready %.1f s; CPU %.0f%% busy; CPU-s per 1M "
                + "records: app %.1f, PostgreSQL %.1f; load average %s", run.peakRssMb(), run.startToReadySeconds(),
                run.cpuBusy() * 100, run.appCpuPerMillion(), run.dbCpuPerMillion(), loads.get(run));
    }

    // ------------------------------------------------------------------ the peer

    /** The peer's table: the six columns, and Kafka's coordinates as primary key (insert) or the uuid (upsert). */
    static String peerTable(String mode, String table) {
        return mode.equals("insert")
                ? "CREATE TABLE " + table + " (__connect_topic text NOT NULL, __connect_partition integer NOT NULL, "
                        + "__connect_offset bigint NOT NULL, " + EnvelopeData.COLUMNS
                        + ", PRIMARY KEY (__connect_topic, __connect_partition, __connect_offset))"
                : "CREATE TABLE " + table + " (" + EnvelopeData.COLUMNS.replace("order_id uuid NOT NULL",
                        "order_id uuid PRIMARY KEY") + ") WITH (fillfactor = 80)";
    }

    /** The peer's connector configuration for {@code mode} ({@code insert} or {@code upsert}). */
    Map<String, String> peerConfig(String mode, String table) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", CONNECTOR_CLASS);
        config.put("tasks.max", Integer.toString(tasks));
        config.put("topics", EnvelopeData.TOPIC);
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "true");
        // -Dbench.peer-url-params=reWriteBatchedInserts=true: driver settings appended to the connection URL
        String params = System.getProperty("bench.peer-url-params", "").trim();
        config.put("connection.url",
                "jdbc:postgresql://localhost:" + postgresPort + "/postgres" + (params.isEmpty() ? "" : "?" + params));
        config.put("connection.username", "postgres");
        config.put("connection.password", "postgres");
        config.put("insert.mode", mode);
        if (mode.equals("insert")) {
            config.put("primary.key.mode", "kafka");
        } else {
            config.put("primary.key.mode", "record_value");
            config.put("primary.key.fields", "order_id");
            config.put("use.reduction.buffer", "true");
        }
        config.put("schema.evolution", "none");
        config.put("collection.name.format", table);
        config.put("batch.size", Integer.toString(batch));
        // off by default: in 3.6.0 its UNNEST writer fails with primary.key.mode=kafka (a NullPointerException)
        // and writes a Timestamp without its milliseconds
        config.put("dialect.postgres.unnest.insert.enabled", Boolean.toString(Boolean.getBoolean("bench.peer-unnest")));
        config.put("consumer.override.max.poll.records", Integer.toString(batch));
        config.put("consumer.override.auto.offset.reset", "earliest");
        return config;
    }

    private Benchmark.Run peer(String mode) throws Exception {
        String name = "peer-" + mode;
        String table = "peer_" + mode;
        try (Connection connection = bench.db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(peerTable(mode, table));
        }
        bench.checkpoint();
        long started = System.nanoTime();
        try (PeerConnect peer = PeerConnect.start(name, Path.of("target", "bench"), bootstrap, OFFSET_FLUSH_MS);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            peer.connector(name, peerConfig(mode, table));
            double running = Benchmark.seconds(started);
            long first = 0;
            long[] machineAtFirst = null;
            double[] cpuAtFirst = null;
            long lastReport = System.nanoTime();
            while (true) {
                long now = System.nanoTime();
                long written = first == 0
                        ? (bench.count("SELECT count(*) FROM (SELECT 1 FROM " + table + " LIMIT 1) t") > 0 ? 1 : 0)
                        : mode.equals("insert") ? insertedRows(table) : committed(admin, "connect-" + name);
                if (first == 0 && written > 0) {
                    first = now;
                    machineAtFirst = Benchmark.cpuTicks();
                    cpuAtFirst = Benchmark.processCpu(peer.pid());
                    continue;
                }
                if (first != 0 && written >= records) {
                    double[] cpu = Benchmark.processCpu(peer.pid());
                    double busy = Benchmark.busy(machineAtFirst, Benchmark.cpuTicks());
                    double rss = peer.peakResidentBytes() / 1024.0 / 1024.0;
                    double rate = records / ((now - first) / 1e9);
                    checkTable(mode, table);
                    Benchmark.Run run = new Benchmark.Run(rate, rss, running, busy,
                            (cpu[0] - cpuAtFirst[0]) * 1e6 / records, (cpu[1] - cpuAtFirst[1]) * 1e6 / records);
                    Benchmark.say("peer %s: %,.0f rows/s, peak RSS %.0f MiB, start to running %.1f s, CPU %.0f%% busy, "
                            + "CPU-s per million records: Connect JVM %.1f, PostgreSQL %.1f, load average %s", mode,
                            rate, rss, running, busy * 100, run.appCpuPerMillion(), run.dbCpuPerMillion(),
                            Benchmark.loadAverage());
                    return run;
                }
                if (now - lastReport > 10_000_000_000L) {
                    peer.checkRunning(name);
                    Benchmark.say("  peer %s: %,d of %,d written", mode, written, records);
                    lastReport = now;
                }
                Thread.sleep(250);
            }
        }
    }

    /**
     * Rows in the peer's insert table: per partition the highest offset written plus one, read
     * through the primary key's index. Exact, as every partition starts at offset 0 and its records
     * are written in order by one task, each batch in one transaction.
     */
    private long insertedRows(String table) {
        return bench.count("SELECT coalesce(sum(m + 1), 0) FROM (SELECT (SELECT max(__connect_offset) FROM " + table
                + " WHERE __connect_topic = '" + EnvelopeData.TOPIC + "' AND __connect_partition = p) AS m"
                + " FROM generate_series(0, 5) AS p) t");
    }

    /** Records the group has committed (the peer commits what it has written, every {@link #OFFSET_FLUSH_MS}). */
    private static long committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (OffsetAndMetadata offset : offsets.values()) {
            sum += offset == null ? 0 : offset.offset();
        }
        return sum;
    }

    private void checkTable(String mode, String table) {
        long minId = mode.equals("insert") || mode.equals("append") ? 0 : Math.max(0, records - BenchData.KEYS);
        long expected = mode.equals("insert") || mode.equals("append") ? records : Math.min(records, BenchData.KEYS);
        long all = bench.count("SELECT count(*) FROM " + table);
        long right = bench.count(EnvelopeData.checkRows(table, minId));
        if (all != expected || right != expected) {
            throw new IllegalStateException(
                    table + ": expected " + expected + " rows as the records carried them, found "
                            + all + " rows of which " + right + " as expected, e.g. " + sample(table));
        }
    }

    /** The first rows of {@code table} by id, as JSON. */
    private String sample(String table) {
        try (Connection connection = bench.db().getConnection();
                Statement statement = connection.createStatement();
                java.sql.ResultSet result = statement
                        .executeQuery("SELECT row_to_json(t) FROM " + table + " t ORDER BY id LIMIT 3")) {
            List<String> rows = new ArrayList<>();
            while (result.next()) {
                rows.add(result.getString(1));
            }
            return String.join(", ", rows);
        } catch (java.sql.SQLException e) {
            return "(unreadable: " + e + ")";
        }
    }

    // ------------------------------------------------------------------ steady-sink

    /** A typed route over the same topic into a table of the same columns (and steady-sink's coordinates). */
    private Benchmark.Run steadySink(String mode) throws Exception {
        String name = "envelope-" + mode;
        String table = "bench_envelope_" + mode;
        try (Connection connection = bench.db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(mode.equals("append")
                    ? "CREATE TABLE " + table + " (kafka_topic text NOT NULL, kafka_partition integer NOT NULL, "
                            + "kafka_offset bigint NOT NULL, " + EnvelopeData.COLUMNS
                            + ", PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset))"
                    : "CREATE TABLE " + table + " ("
                            + EnvelopeData.COLUMNS.replace("order_id uuid NOT NULL", "order_id uuid PRIMARY KEY")
                            + ", kafka_topic text NOT NULL, kafka_partition integer NOT NULL, "
                            + "kafka_offset bigint NOT NULL) WITH (fillfactor = 80)");
        }
        Path routes = Path.of("target", "bench", "routes-" + name + ".yaml").toAbsolutePath();
        Files.writeString(routes, routeFile(name, mode, table));
        Map<String, String> env = bench.env(EnvelopeData.TOPIC, "bench-" + name, table, workers);
        env.remove("SINK_TOPICS");
        env.remove("SINK_TABLE");
        env.put("SINK_ROUTES_FILE", routes.toString());
        long minId = mode.equals("append") ? 0 : Math.max(0, records - BenchData.KEYS);
        long expected = mode.equals("append") ? records : Math.min(records, BenchData.KEYS);
        Benchmark.Run run = bench.measure(name, env, EnvelopeData.TOPIC, records, EnvelopeData.checkRows(table, minId),
                expected);
        checkTable(mode, table);
        return run;
    }

    static String routeFile(String name, String mode, String table) {
        return """
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: %s
                %s    columns:
                      id: /payload/id
                      order_id: /payload/order_id
                      customer: /payload/customer
                      amount: /payload/amount
                      status: /payload/status
                      placed_at: /payload/placed_at
                    epoch-units:
                      placed_at: millis
                """.formatted(name, EnvelopeData.TOPIC, table, mode,
                mode.equals("append") ? "" : "    identity: [order_id]\n    tombstones: ignore\n");
    }
}
