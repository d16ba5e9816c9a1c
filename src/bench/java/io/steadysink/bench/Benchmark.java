package io.steadysink.bench;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * {@code ./mvnw -Pbench package}: measures steady-sink against the machine's limits and the naive
 * way, in one run, on a real broker and a real PostgreSQL with fsync and synchronous commit on.
 * Prints one table and writes it as CSV and PNG under {@code target/bench/}. A program, not a test:
 * nothing here asserts a speed.
 */
public final class Benchmark {

    private static final Path OUT = Path.of("target", "bench");
    static final int PARTITIONS = Integer.getInteger("bench.partitions", 6);
    private static final int NAIVE_SAMPLE = 20_000;

    private final int records = Integer.getInteger("bench.records", 1_000_000);
    private final long slowLatencyMs = Long.getLong("bench.slow-latency-ms", 20);
    private final int changeEventRecords = Integer.getInteger("bench.change-events-records", 200_000);
    final List<Row> rows = new ArrayList<>();
    final List<Charts.LatencyLevel> latencyLevels = new ArrayList<>();
    private EmbeddedPostgres postgres;
    private boolean slowTopicFilled;
    /** The Avro topic's records and registry, produced by the first Avro step. */
    private AvroData avro;
    private String bootstrap;

    /** One line of the result table. */
    record Row(String measure, double value, String unit, String note) {
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            new Benchmark().run();
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        // the in-JVM broker's threads would keep the JVM alive
        System.exit(status);
    }

    private void run() throws Exception {
        Files.createDirectories(OUT);
        say("starting Kafka (KRaft, in this JVM) and PostgreSQL (fsync on, synchronous_commit on) ...");
        bootstrap = LocalKafka.bootstrapServers();
        Path data = OUT.resolve("pgdata");
        deleteRecursively(data);
        postgres = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(true)
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on").setServerConfig("max_wal_size", "4GB")
                .setServerConfig("shared_buffers", "512MB").start();
        say("PostgreSQL fsync=%s synchronous_commit=%s", show("fsync"), show("synchronous_commit"));

        if (!System.getProperty("bench.only", "").isBlank()) {
            quick(System.getProperty("bench.only"));
            return;
        }
        String topic = "bench-events";
        LocalKafka.createTopic(topic, PARTITIONS);
        long produceStart = System.nanoTime();
        produce(topic, records, 0);
        say("produced %,d records of about %d bytes over %d partitions in %.1f s", records,
                BenchData.value(records / 2, System.currentTimeMillis()).length(), PARTITIONS, seconds(produceStart));

        double consume = rawConsume(topic);
        double copy = rawCopy();
        double durableCopy = durableCopy();
        double limit = Math.min(consume, copy);
        double naive = naive(topic);
        Run append = steadySink(topic, "append", 4, records);
        Run upsert = steadySink(topic, "upsert", 4, records);
        Run typedAppend = typedSink(topic, "append", 4, records);
        Run typedUpsert = typedSink(topic, "upsert", 4, records);
        Run typedAppendAvro = avroTypedSink("append", 4);
        Run typedUpsertAvro = avroTypedSink("upsert", 4);
        rows.add(new Row("limit: plain KafkaConsumer, no work", consume, "records/s", ""));
        rows.add(new Row("limit: plain COPY, one connection, unlogged table", copy, "rows/s", ""));
        rows.add(new Row("reference: COPY into a sink table, 2000-row commits", durableCopy, "rows/s",
                "logged, primary key, one connection; " + ratio(durableCopy, limit) + " of limit"));
        rows.add(new Row("naive: one INSERT per record, one at a time", naive, "records/s",
                "sample of " + NAIVE_SAMPLE + ", " + ratio(naive, limit) + " of limit"));
        rows.add(new Row("steady-sink append (4 workers)", append.rate(), "records/s",
                ratio(append.rate(), limit) + " of limit, " + ratio(append.rate(), naive) + " naive, " + cpu(append)));
        rows.add(new Row("steady-sink upsert (4 workers)", upsert.rate(), "records/s",
                ratio(upsert.rate(), limit) + " of limit, " + ratio(upsert.rate(), naive) + " naive, " + cpu(upsert)));
        typedRows(append, typedAppend, upsert, typedUpsert, typedAppendAvro, typedUpsertAvro);
        rows.addAll(new PeerBench(this, records, bootstrap, postgres.getPort()).run());
        rows.add(new Row("steady-sink append: peak RSS", append.peakRssMb(), "MiB", ""));
        rows.add(new Row("steady-sink append: JVM start to ready", append.startToReadySeconds(), "s", ""));
        rows.add(new Row("steady-sink upsert: peak RSS", upsert.peakRssMb(), "MiB", ""));

        new LatencyStep(this).run();

        List<double[]> slow = new ArrayList<>();
        for (int workers : new int[]{1, 2, 4, 8, 16}) {
            slow.add(slowDownstream(workers));
        }

        changeEvents(4);

        double ready = new StartBench("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", OUT).run();
        rows.add(new Row("steady-sink: JVM start to ready (median)", ready, "s", "the breakdown is printed above"));

        print();
        writeCsv();
        plot(slow);
        postgres.close();
    }

    /**
     * {@code -Dbench.only=limits|append|upsert|typed-append|typed-upsert|typed-append-avro|typed-upsert-avro|latency|slow|change-events|peer|start}:
     * only that step, for profiling (JFR with -Dbench.jfr=true). The steady-sink runs may be listed together
     * ({@code append,typed-append}): they read one topic (the Avro steps their own, of the same records), and a
     * typed route's row gets its ratio to the fixed-shape row of its mode when both ran (an Avro row: to the JSON
     * typed row of its mode); {@code limits} in that list measures the two
     * limits first and gives the append and upsert rows their ratio to the smaller.
     */
    private void quick(String only) throws Exception {
        String mode = only.trim();
        if (mode.equals("slow")) {
            slowDownstream(Integer.getInteger("bench.workers", 4));
            print();
            return;
        }
        if (mode.equals("latency")) {
            new LatencyStep(this).run();
            print();
            plot(List.of());
            return;
        }
        if (mode.equals("change-events")) {
            changeEvents(Integer.getInteger("bench.workers", 4));
            print();
            return;
        }
        if (mode.equals("start")) {
            String jdbcUrl = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
            double ready = new StartBench(jdbcUrl, OUT).run();
            rows.add(new Row("steady-sink: JVM start to ready (median)", ready, "s", "see the breakdown above"));
            print();
            return;
        }
        String topic = "bench-events";
        if (!mode.equals("peer")) {
            LocalKafka.createTopic(topic, PARTITIONS);
            produce(topic, records, 0);
        }
        List<Row> peerRows = List.of();
        int workers = Integer.getInteger("bench.workers", 4);
        Map<String, Run> runs = new java.util.LinkedHashMap<>();
        double limit = Double.NaN;
        for (String step : mode.split(",")) {
            String name = step.trim();
            if (name.equals("limits")) {
                limit = limits(topic);
                continue;
            }
            if (name.equals("peer")) {
                peerRows = new PeerBench(this, records, bootstrap, postgres.getPort()).run();
                continue;
            }
            runs.put(name, name.endsWith("-avro")
                    ? avroTypedSink(name.substring("typed-".length(), name.length() - "-avro".length()), workers)
                    : name.startsWith("typed-")
                            ? typedSink(topic, name.substring("typed-".length()), workers, records)
                            : steadySink(topic, name, workers, records));
        }
        for (String name : List.of("append", "upsert")) {
            if (runs.containsKey(name)) {
                rows.add(new Row("steady-sink " + name + " (" + workers + " workers)", runs.get(name).rate(),
                        "records/s", (Double.isNaN(limit) ? "" : ratio(runs.get(name).rate(), limit) + " of limit, ")
                                + cpu(runs.get(name))));
            }
        }
        typedRows(runs.get("append"), runs.get("typed-append"), runs.get("upsert"), runs.get("typed-upsert"),
                runs.get("typed-append-avro"), runs.get("typed-upsert-avro"));
        rows.addAll(peerRows);
        print();
        writeCsv();
        plot(List.of());
    }

    /** The two limits of the full run, as rows; returns the smaller. */
    private double limits(String topic) throws Exception {
        double consume = rawConsume(topic);
        double copy = rawCopy();
        rows.add(new Row("limit: plain KafkaConsumer, no work", consume, "records/s", ""));
        rows.add(new Row("limit: plain COPY, one connection, unlogged table", copy, "rows/s", ""));
        return Math.min(consume, copy);
    }

    /**
     * The typed routes' rows, each with its ratio to the fixed-shape run of its mode (when that ran);
     * the Avro rows after the JSON row of their mode, with their ratio to it.
     */
    private void typedRows(Run append, Run typedAppend, Run upsert, Run typedUpsert, Run avroAppend,
            Run avroUpsert) {
        if (typedAppend != null) {
            rows.add(new Row("steady-sink typed append route (4 workers)", typedAppend.rate(), "records/s",
                    (append == null ? "" : ratio(typedAppend.rate(), append.rate()) + " of fixed-shape append, ")
                            + "8 mapped columns + coordinates, " + cpu(typedAppend)));
        }
        if (avroAppend != null) {
            rows.add(avro.row("append", avroAppend, typedAppend, cpu(avroAppend)));
        }
        if (typedUpsert != null) {
            rows.add(new Row("steady-sink typed upsert route, by uuid (4 workers)", typedUpsert.rate(), "records/s",
                    (upsert == null ? "" : ratio(typedUpsert.rate(), upsert.rate()) + " of fixed-shape upsert, ")
                            + "8 mapped columns + guard, " + cpu(typedUpsert)));
        }
        if (avroUpsert != null) {
            rows.add(avro.row("upsert", avroUpsert, typedUpsert, cpu(avroUpsert)));
        }
    }

    // ------------------------------------------------------------------ limits and baselines

    private double rawConsume(String topic) {
        try (KafkaConsumer<String, String> consumer = consumer("bench-raw")) {
            List<TopicPartition> partitions = partitions(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long start = System.nanoTime();
            long count = 0;
            while (count < records) {
                count += consumer.poll(Duration.ofMillis(500)).count();
            }
            double rate = count / seconds(start);
            say("plain consumer: %,.0f records/s", rate);
            return rate;
        }
    }

    private double rawCopy() throws Exception {
        try (Connection connection = db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE UNLOGGED TABLE bench_copy (kafka_topic text, kafka_partition int, "
                    + "kafka_offset bigint, kafka_key text, payload jsonb, headers jsonb, event_time timestamptz)");
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY bench_copy FROM STDIN");
            StringBuilder chunk = new StringBuilder(1 << 20);
            long now = System.currentTimeMillis();
            for (int id = 0; id < records; id++) {
                copyRow(chunk, id, now);
                if (chunk.length() > (1 << 20)) {
                    byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    chunk.setLength(0);
                }
            }
            byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            copy.endCopy();
            connection.commit();
            double rate = records / seconds(start);
            say("plain COPY: %,.0f rows/s", rate);
            return rate;
        }
    }

    /**
     * Not a limit the issue names but the ceiling of any durable, idempotent sink: COPY alone into a
     * table of the append schema (WAL, primary key) in transactions of 2000 rows, one connection.
     */
    private double durableCopy() throws Exception {
        createAppendTable("bench_durable");
        try (Connection connection = db().getConnection()) {
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            long now = System.currentTimeMillis();
            StringBuilder chunk = new StringBuilder(1 << 20);
            for (int id = 0; id < records; id++) {
                copyRow(chunk, id, now);
                if ((id + 1) % 2000 == 0 || id == records - 1) {
                    byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
                    CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY bench_durable "
                            + "(kafka_topic, kafka_partition, kafka_offset, kafka_key, payload, headers, event_time) "
                            + "FROM STDIN");
                    copy.writeToCopy(bytes, 0, bytes.length);
                    copy.endCopy();
                    connection.commit();
                    chunk.setLength(0);
                }
            }
            double rate = records / seconds(start);
            say("COPY into a sink table: %,.0f rows/s", rate);
            return rate;
        }
    }

    /** Record {@code id} as the append table's COPY row (what steady-sink would write for it). */
    private static void copyRow(StringBuilder chunk, int id, long now) {
        chunk.append("bench-events\t").append(id % PARTITIONS).append('\t').append(id / PARTITIONS).append('\t')
                .append(BenchData.key(id)).append('\t').append(BenchData.value(id, now)).append("\t{}\t")
                .append(new Timestamp(now)).append('\n');
    }

    private double naive(String topic) throws Exception {
        try (Connection connection = db().getConnection(); Statement ddl = connection.createStatement()) {
            ddl.execute("CREATE TABLE bench_naive (kafka_topic text, kafka_partition int, kafka_offset bigint, "
                    + "kafka_key text, payload jsonb, event_time timestamptz, "
                    + "PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset))");
        }
        try (KafkaConsumer<String, String> consumer = consumer("bench-naive");
                Connection connection = db().getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO bench_naive VALUES (?, ?, ?, ?, "
                        + "?::jsonb, ?) ON CONFLICT DO NOTHING")) {
            consumer.subscribe(List.of(topic));
            long start = System.nanoTime();
            int done = 0;
            while (done < NAIVE_SAMPLE) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    insert.setString(1, record.topic());
                    insert.setInt(2, record.partition());
                    insert.setLong(3, record.offset());
                    insert.setString(4, record.key());
                    insert.setString(5, record.value());
                    insert.setTimestamp(6, new Timestamp(record.timestamp()));
                    insert.executeUpdate(); // autocommit: one transaction per record
                    if (++done == NAIVE_SAMPLE) {
                        break;
                    }
                }
            }
            double rate = done / seconds(start);
            say("naive: %,.0f records/s (one INSERT and commit per record, sampled over %,d)", rate, done);
            return rate;
        }
    }

    // ------------------------------------------------------------------ steady-sink

    /** One end-to-end run of the packaged application. */
    record Run(double rate, double peakRssMb, double startToReadySeconds, double cpuBusy, double appCpuPerMillion,
            double dbCpuPerMillion) {
    }

    private Run steadySink(String topic, String mode, int workers, int expected) throws Exception {
        String table = "bench_" + mode;
        Map<String, String> env = env(topic, "bench-" + mode, table, workers);
        env.put("SINK_MODE", mode);
        String check = mode.equals("append")
                ? "SELECT count(*) FROM " + table
                : "SELECT count(*) FROM " + table + " WHERE (payload->>'id')::bigint >= " + (expected - BenchData.KEYS);
        long expectedRows = mode.equals("append") ? expected : Math.min(expected, BenchData.KEYS);
        return measure(mode, env, topic, expected, check, expectedRows);
    }

    /**
     * The same records written by a route file into a table of typed columns: a bigint, a uuid,
     * text, numeric(12,2), an enum, a timestamptz from epoch milliseconds, a timestamptz from the
     * Kafka timestamp and the fields no column took as jsonb ({@code rest}). Append: identity the
     * Kafka coordinates; upsert: identity the order's uuid (from the value, so tombstones are ignored).
     */
    private Run typedSink(String topic, String mode, int workers, int expected) throws Exception {
        return typedSink(topic, mode, workers, expected, null);
    }

    /** {@code typed-append-avro} or {@code typed-upsert-avro}: the Avro topic (produced on first use) through the typed route. */
    private Run avroTypedSink(String mode, int workers) throws Exception {
        if (avro == null) {
            avro = AvroData.produce(bootstrap, records);
        }
        return avro.finished(mode, typedSink(AvroData.TOPIC, mode, workers, records, avro));
    }

    /** {@link #typedSink(String, String, int, int)} of JSON ({@code avro} null) or of {@link AvroData}'s topic. */
    private Run typedSink(String topic, String mode, int workers, int expected, AvroData avro) throws Exception {
        String name = "typed-" + mode + (avro == null ? "" : "-avro");
        String table = "bench_" + name.replace('-', '_');
        try (Connection connection = db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("DO $$ BEGIN CREATE TYPE bench_status AS ENUM ('open', 'paid'); "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            String typed = "event_id bigint NOT NULL, order_id uuid NOT NULL, customer text NOT NULL, "
                    + "amount numeric(12,2) NOT NULL, status bench_status NOT NULL, placed_at timestamptz NOT NULL, "
                    + "event_time timestamptz, extra jsonb, ";
            statement.execute(mode.equals("append")
                    ? "CREATE TABLE " + table + " (kafka_topic text NOT NULL, kafka_partition integer NOT NULL, "
                            + "kafka_offset bigint NOT NULL, " + typed
                            + "ingested_at timestamptz NOT NULL DEFAULT now(), "
                            + "PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset))"
                    // the fixed-shape upsert table's fillfactor, so updates can stay on their page (HOT)
                    : "CREATE TABLE " + table + " ("
                            + typed.replace("order_id uuid NOT NULL", "order_id uuid PRIMARY KEY")
                            + "kafka_topic text NOT NULL, kafka_partition integer NOT NULL, kafka_offset bigint NOT NULL)"
                            + " WITH (fillfactor = 80)");
        }
        Path routes = OUT.resolve("routes-" + name + ".yaml").toAbsolutePath();
        Files.writeString(routes, """
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: %s
                %s    columns:
                      event_id: /id
                      order_id: /order_id
                      customer: /customer
                      amount: /amount
                      status: /status
                      placed_at: /produced_at
                      event_time: kafka:timestamp
                      extra: rest
                %s""".formatted(name, topic, table, mode,
                mode.equals("append") ? "" : "    identity: [order_id]\n    tombstones: ignore\n",
                avro == null ? "    epoch-units:\n      placed_at: millis\n" : AvroData.routeFormat()));
        Map<String, String> env = env(topic, "bench-" + name, table, workers);
        env.remove("SINK_TOPICS");
        env.remove("SINK_TABLE");
        env.put("SINK_ROUTES_FILE", routes.toString());
        if (avro != null) {
            env.put("SINK_SCHEMA_REGISTRY_URL", avro.registryUrl());
        }
        // every row as the record it came from: the newest record per order in upsert, every record in append
        String check = "SELECT count(*) FROM " + table + " WHERE customer = 'customer-' || (event_id % "
                + BenchData.KEYS
                + ") AND amount = (event_id % 1000) + (event_id % 100) / 100.0 AND status = (CASE WHEN event_id % 3 = 0"
                + " THEN 'paid' ELSE 'open' END)::bench_status AND extra = jsonb_build_object('note', repeat('x', "
                + BenchData.padLength() + "))"
                + (mode.equals("append") ? "" : " AND event_id >= " + (expected - BenchData.KEYS));
        long expectedRows = mode.equals("append") ? expected : Math.min(expected, BenchData.KEYS);
        return measure(name, env, topic, expected, check, expectedRows);
    }

    Run measure(String name, Map<String, String> env, String topic, int expected, String check,
            long expectedRows) throws Exception {
        if (Boolean.getBoolean("bench.jfr")) {
            env.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=settings=profile,filename="
                    + OUT.resolve(name + ".jfr").toAbsolutePath());
        }
        MemoryWatch.configure(env);
        checkpoint();
        long started = System.nanoTime();
        try (SteadySinkProcess app = SteadySinkProcess.start("bench-" + name, env, false);
                MemoryWatch memory = MemoryWatch.watch(app)) {
            awaitReady(app);
            double ready = seconds(started);
            Progress progress = awaitWritten(app, topic, expected);
            String memoryUse = memory.report(name, OUT);
            say("steady-sink %s: %s", name, memoryUse);
            rows.add(new Row("steady-sink " + name + ": steady RSS", memory.steadyMb(), "MiB", memoryUse));
            long actualRows = count(check);
            if (actualRows != expectedRows) {
                throw new IllegalStateException(name + ": expected " + expectedRows + " rows, found " + actualRows);
            }
            double rate = progress.rate();
            double rss = app.peakResidentBytes() / 1024.0 / 1024.0;
            say("steady-sink %s: %,.0f records/s, peak RSS %.0f MiB, start to ready %.1f s, CPU %.0f%% busy, "
                    + "CPU-s per million records: application %.1f, PostgreSQL %.1f", name, rate, rss, ready,
                    progress.cpuBusy() * 100, progress.appCpuPerMillion(), progress.dbCpuPerMillion());
            app.stop();
            return new Run(rate, rss, ready, progress.cpuBusy(), progress.appCpuPerMillion(),
                    progress.dbCpuPerMillion());
        }
    }

    // ------------------------------------------------------------------ change events

    /**
     * Debezium change events ({@link ChangeEventData}: JSON with schemas, about 4 KB each, c/u/d and
     * tombstones) into a {@code change-events} route on a real table. First the rate, the topic filled
     * beforehand and drained as the other runs drain theirs; then the replication lag at a fixed rate
     * ({@link #replicationLag}).
     */
    private void changeEvents(int workers) throws Exception {
        int keys = Math.max(1, changeEventRecords / ChangeEventData.ROUNDS);
        int count = keys * ChangeEventData.ROUNDS;
        String topic = ChangeEventData.TOPIC;
        String table = "bench_change_events";
        LocalKafka.createTopic(topic, PARTITIONS);
        createChangeEventTable(table);
        AtomicLong valueBytes = new AtomicLong();
        long produceStart = System.nanoTime();
        produce(topic, count, 0, id -> changeEvent(topic, id, keys, System.currentTimeMillis(), valueBytes));
        double meanBytes = (double) valueBytes.get() / (count - count / ChangeEventData.ROUNDS);
        say("produced %,d change events (%,.0f bytes a value on average, tombstones aside) over %,d keys in %.1f s",
                count, meanBytes, keys, seconds(produceStart));
        Run run = measure("change-events", changeEventEnv("change-events", topic, table, workers), topic, count,
                ChangeEventData.checkLastRound(table), keys);
        rows.add(new Row("steady-sink change events (" + workers + " workers)", run.rate(), "records/s",
                String.format(Locale.ROOT, "Debezium JSON with schemas, %,.0f bytes; c/u/d + tombstones; peak RSS %.0f"
                        + " MiB; load average %s; ", meanBytes, run.peakRssMb(), loadAverage()) + cpu(run)));
        double rate = Double.parseDouble(System.getProperty("bench.change-events-rate", "0"));
        replicationLag(rate > 0 ? rate : run.rate() / 2, workers, rate > 0 ? "as set" : "half the rate above");
    }

    /**
     * Change events produced at {@code rate} for 30 s while the application runs, each with
     * {@code source.ts_ms} the time it is produced; the lag is read from the application's histogram
     * {@code steady_sink_replication_lag} (wall clock at the target commit minus {@code source.ts_ms}),
     * as the difference between a scrape after 10 s (JVM warm-up, left out) and one at the end.
     */
    private void replicationLag(double rate, int workers, String why) throws Exception {
        String topic = "bench-lag.public.orders";
        String table = "bench_change_events_lag";
        int keys = Math.max(1, (int) Math.min(rate * 30, 600_000) / ChangeEventData.ROUNDS);
        int count = keys * ChangeEventData.ROUNDS;
        LocalKafka.createTopic(topic, PARTITIONS);
        createChangeEventTable(table);
        checkpoint();
        try (SteadySinkProcess app = SteadySinkProcess.start("bench-replication-lag",
                changeEventEnv("replication-lag", topic, table, workers), false)) {
            awaitReady(app);
            Thread.sleep(2_000);
            long[] cpuBefore = cpuTicks();
            Thread producer = new Thread(() -> {
                try {
                    produce(topic, count, rate,
                            id -> changeEvent(topic, id, keys, System.currentTimeMillis(), new AtomicLong()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-change-events");
            producer.start();
            Thread.sleep(10_000);
            String warm = app.httpGet("/q/metrics");
            awaitWritten(app, topic, count);
            producer.join();
            double cpuBusy = busy(cpuBefore, cpuTicks());
            Thread.sleep(1_000); // the samples of the last batch are taken right after its commit
            String end = app.httpGet("/q/metrics");
            long actual = count(ChangeEventData.checkLastRound(table));
            if (actual != keys) {
                throw new IllegalStateException("replication lag: expected " + keys + " rows, found " + actual);
            }
            double[] lags = lagPercentiles(warm, end, 0.5, 0.99);
            rows.add(new Row("replication lag source commit -> target commit, p50", lags[1] * 1000, "ms",
                    String.format(Locale.ROOT, "at %,.0f change events/s (%s), %,.0f samples after 10 s of warm-up",
                            rate, why, lags[0])));
            rows.add(new Row("replication lag source commit -> target commit, p99", lags[2] * 1000, "ms",
                    String.format(Locale.ROOT, "steady_sink_replication_lag histogram; machine CPU %.0f%% busy "
                            + "meanwhile (producer and broker included), load average %s", cpuBusy * 100,
                            loadAverage())));
            say("replication lag at %,.0f change events/s: p50 %.1f ms, p99 %.1f ms (%,.0f samples)", rate,
                    lags[1] * 1000, lags[2] * 1000, lags[0]);
            app.stop();
        }
    }

    private static final Pattern LAG_BUCKET = Pattern
            .compile("(?m)^steady_sink_replication_lag_seconds_bucket\\{.*le=\"([^\"]+)\".*} (\\S+)$");

    /**
     * The number of samples between two scrapes, then the {@code quantiles} of those samples in
     * seconds, read from the histogram's cumulative buckets with linear interpolation inside a bucket.
     */
    static double[] lagPercentiles(String before, String after, double... quantiles) {
        Map<Double, Double> buckets = new java.util.TreeMap<>();
        for (String[] scrape : new String[][]{{after, "1"}, {before, "-1"}}) {
            Matcher bucket = LAG_BUCKET.matcher(scrape[0]);
            while (bucket.find()) {
                double le = bucket.group(1).equals("+Inf")
                        ? Double.POSITIVE_INFINITY
                        : Double.parseDouble(bucket.group(1));
                buckets.merge(le, Double.parseDouble(scrape[1]) * Double.parseDouble(bucket.group(2)), Double::sum);
            }
        }
        double total = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        double[] result = new double[quantiles.length + 1];
        result[0] = total;
        for (int i = 0; i < quantiles.length; i++) {
            double target = quantiles[i] * total;
            double lower = 0;
            double below = 0;
            result[i + 1] = Double.NaN;
            for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
                if (bucket.getValue() >= target && total > 0) {
                    result[i + 1] = Double.isInfinite(bucket.getKey()) || bucket.getValue() == below
                            ? lower
                            : lower + (bucket.getKey() - lower) * (target - below) / (bucket.getValue() - below);
                    break;
                }
                lower = bucket.getKey();
                below = bucket.getValue();
            }
        }
        return result;
    }

    /** Record {@code id} of a change-events topic over {@code keys} keys; adds its value's length to {@code bytes}. */
    private static ProducerRecord<String, String> changeEvent(String topic, long id, int keys, long sourceMillis,
            AtomicLong bytes) {
        String value = ChangeEventData.value(id, keys, sourceMillis);
        if (value != null) {
            bytes.addAndGet(value.length());
        }
        return new ProducerRecord<>(topic, ChangeEventData.key(id % keys), value);
    }

    private void createChangeEventTable(String table) throws SQLException {
        try (Connection connection = db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(
                    "CREATE TABLE " + table + " (" + ChangeEventData.TABLE_COLUMNS + ") WITH (fillfactor = 80)");
        }
    }

    /** A route file with one {@code change-events} route from {@code topic} into {@code table}. */
    private Map<String, String> changeEventEnv(String name, String topic, String table, int workers)
            throws IOException {
        Path routes = OUT.resolve("routes-" + name + ".yaml").toAbsolutePath();
        Files.writeString(routes, """
                routes:
                  %s:
                    topics: [%s]
                    table: %s
                    mode: change-events
                """.formatted(name, topic, table));
        Map<String, String> env = env(topic, "bench-" + name, table, workers);
        env.remove("SINK_TOPICS");
        env.remove("SINK_TABLE");
        env.put("SINK_ROUTES_FILE", routes.toString());
        return env;
    }

    /** Every batch write delayed by a trigger sleeping {@code bench.slow-latency-ms}: throughput by workers. */
    private double[] slowDownstream(int workers) throws Exception {
        String topic = "bench-slow";
        int count = 100_000;
        int batch = 500;
        if (!slowTopicFilled) {
            slowTopicFilled = true;
            LocalKafka.createTopic(topic, PARTITIONS);
            produce(topic, count, 0);
        }
        String table = "bench_slow_" + workers;
        createAppendTable(table);
        try (Connection connection = db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE OR REPLACE FUNCTION bench_delay() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN PERFORM pg_sleep(" + slowLatencyMs / 1000.0 + "); RETURN NULL; END $$");
            statement.execute("CREATE TRIGGER slow BEFORE INSERT ON " + table
                    + " FOR EACH STATEMENT EXECUTE FUNCTION bench_delay()");
        }
        Map<String, String> env = env(topic, "bench-slow-" + workers, table, workers);
        env.put("KAFKA_MAX_POLL_RECORDS", Integer.toString(batch));
        try (SteadySinkProcess app = SteadySinkProcess.start("bench-slow-" + workers, env, false)) {
            awaitReady(app);
            Progress progress = awaitWritten(app, topic, count);
            double rate = progress.rate();
            double ideal = workers * batch * 1000.0 / slowLatencyMs;
            rows.add(new Row("slow downstream (" + slowLatencyMs + " ms/batch), " + workers + " worker(s)", rate,
                    "records/s", ratio(rate, ideal) + " of workers x " + batch + " / latency = "
                            + String.format(Locale.ROOT, "%,.0f; %.1f batches in flight on average, CPU %.0f%% busy",
                                    ideal, progress.meanInFlight(), progress.cpuBusy() * 100)));
            say("slow downstream, %d worker(s): %,.0f records/s (ideal %,.0f), %.1f batches in flight on average",
                    workers, rate, ideal, progress.meanInFlight());
            app.stop();
            return new double[]{workers, rate, ideal};
        }
    }

    /** The application's own append-mode migration, run ahead so the benchmark can adjust the table. */
    void createAppendTable(String table) {
        Flyway.configure().dataSource(db()).locations("classpath:db/migration").sqlMigrationPrefix("append_V")
                .table(table + "_schema_history").placeholders(Map.of("table", table)).baselineOnMigrate(true)
                .baselineVersion("0").load().migrate();
    }

    Map<String, String> env(String topic, String group, String table, int workers) {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres");
        env.put("SINK_TOPICS", topic);
        env.put("SINK_GROUP_ID", group);
        env.put("SINK_TABLE", table);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("SINK_WORKERS", Integer.toString(workers));
        env.put("KAFKA_AUTO_COMMIT_INTERVAL_MS", "200");
        // -Dbench.env=NAME=value,NAME=value: extra settings for every steady-sink run (experiments)
        for (String setting : System.getProperty("bench.env", "").split(",")) {
            int equals = setting.indexOf('=');
            if (equals > 0) {
                env.put(setting.substring(0, equals).trim(), setting.substring(equals + 1).trim());
            }
        }
        return env;
    }

    /** Times of the first and the last record written, as the application's own counter reports them. */
    record Progress(long records, long firstNanos, long lastNanos, double meanInFlight, double cpuBusy,
            double appCpuSeconds, double dbCpuSeconds) {
        double rate() {
            return records / ((lastNanos - firstNanos) / 1e9);
        }

        double appCpuPerMillion() {
            return appCpuSeconds * 1e6 / records;
        }

        double dbCpuPerMillion() {
            return dbCpuSeconds * 1e6 / records;
        }
    }

    /**
     * Polls {@code steady_sink_records_written_total} every 250 ms (cheaper than counting rows; rarely
     * enough that rendering the metrics takes little CPU from the thing measured) until
     * {@code expected} records are in.
     */
    private Progress awaitWritten(SteadySinkProcess app, String topic, long expected) throws InterruptedException {
        String series = "steady_sink_records_written_total{topic=\"" + topic + "\"}";
        long first = 0;
        long lastReport = System.nanoTime();
        double inFlight = 0;
        int samples = 0;
        long[] cpuAtFirst = null;
        double[] processesAtFirst = null;
        while (true) {
            long now = System.nanoTime();
            String metrics = app.httpGet("/q/metrics");
            double written = Scrape.decimal(metrics, series);
            if (first == 0 && written > 0) {
                first = now;
                cpuAtFirst = cpuTicks();
                processesAtFirst = processCpu(app);
            }
            if (written >= expected) {
                double[] processes = processCpu(app);
                return new Progress(expected, first, now, inFlight / Math.max(samples, 1),
                        busy(cpuAtFirst, cpuTicks()), processes[0] - processesAtFirst[0],
                        processes[1] - processesAtFirst[1]);
            }
            if (first != 0) {
                inFlight += Scrape.decimal(metrics, "steady_sink_in_flight_batches");
                samples++;
            }
            if (now - lastReport > 10_000_000_000L) {
                say("  %,.0f of %,d written", Math.max(written, 0), expected);
                lastReport = now;
            }
            Thread.sleep(250);
        }
    }

    /** Busy and total CPU ticks of the whole machine so far ({@code /proc/stat}); zeros elsewhere. */
    static long[] cpuTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[]{total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }

    /**
     * CPU seconds used so far by the application's process and by PostgreSQL (the postmaster, the
     * children it has reaped and those still running), from {@code /proc}; zeros elsewhere.
     */
    double[] processCpu(SteadySinkProcess app) {
        return processCpu(app.pid());
    }

    /** {@link #processCpu(SteadySinkProcess)} of any process (the peer's worker JVM). */
    static double[] processCpu(long pid) {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(OUT.resolve("pgdata").resolve("postmaster.pid"))
                    .get(0).trim());
            double application = ticks(pid, false);
            double database = ticks(postmaster, true);
            try (var processes = Files.list(Path.of("/proc"))) {
                for (Path process : (Iterable<Path>) processes::iterator) {
                    String name = process.getFileName().toString();
                    if (name.chars().allMatch(Character::isDigit) && parent(process) == postmaster) {
                        database += ticks(Long.parseLong(name), false);
                    }
                }
            }
            return new double[]{application / CLOCK_TICKS, database / CLOCK_TICKS};
        } catch (IOException | RuntimeException e) {
            return new double[]{0, 0};
        }
    }

    /** {@code sysconf(_SC_CLK_TCK)}: 100 on Linux. */
    private static final double CLOCK_TICKS = 100;

    /** The fields of {@code /proc/<pid>/stat} after the command name: [0] is the state, [1] the parent. */
    private static String[] stat(Path process) throws IOException {
        String stat = Files.readString(process.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static long parent(Path process) {
        try {
            return Long.parseLong(stat(process)[1]);
        } catch (IOException | RuntimeException e) {
            return -1; // gone meanwhile
        }
    }

    /** User and system ticks of a process, with those of its reaped children when {@code children}. */
    /** CPU time (user and system) the process used so far, in milliseconds; 0 once it is gone. */
    static long cpuMillis(long pid) {
        return Math.round(ticks(pid, false) * 1000 / CLOCK_TICKS);
    }

    private static long ticks(long pid, boolean children) {
        try {
            String[] fields = stat(Path.of("/proc", Long.toString(pid)));
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return children ? ticks + Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : ticks;
        } catch (IOException | RuntimeException e) {
            return 0; // gone meanwhile
        }
    }

    /**
     * The machine's load average over the last minute ({@code /proc/loadavg}): on a shared machine,
     * how many others wanted the cores the step ran on; "?" elsewhere.
     */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** Share of the machine's CPU time that was busy between two {@link #cpuTicks()} readings. */
    static double busy(long[] before, long[] after) {
        long total = after[1] - before[1];
        return total == 0 ? Double.NaN : (double) (after[0] - before[0]) / total;
    }

    static void awaitReady(SteadySinkProcess app) throws InterruptedException {
        app.awaitStarted(Duration.ofSeconds(120));
        while (app.httpStatus("/q/health/ready") != 200) {
            Thread.sleep(50);
        }
    }

    // ------------------------------------------------------------------ output

    private void print() {
        System.out.println();
        System.out.printf("%-62s %14s  %-10s %s%n", "measure", "value", "unit", "");
        for (Row row : rows) {
            System.out.printf(Locale.ROOT, "%-62s %,14.1f  %-10s %s%n", row.measure(), row.value(), row.unit(),
                    row.note());
        }
        System.out.println();
    }

    private void writeCsv() throws IOException {
        StringWriter csv = new StringWriter();
        csv.append("measure,value,unit,note\n");
        for (Row row : rows) {
            csv.append('"').append(row.measure()).append("\",").append(String.format(Locale.ROOT, "%.1f", row.value()))
                    .append(',').append(row.unit()).append(",\"").append(row.note()).append("\"\n");
        }
        Files.writeString(OUT.resolve("results.csv"), csv.toString());
        say("wrote %s", OUT.resolve("results.csv"));
    }

    /**
     * rates.png (every sink's records/s and the limit, values on the bars), ratios.png (each as a
     * share of the limit), latency.png (percentiles per load level) and slow-downstream.png.
     */
    private void plot(List<double[]> slow) throws IOException {
        double consume = rows.stream().filter(row -> row.measure().startsWith("limit: plain KafkaConsumer"))
                .mapToDouble(Row::value).findFirst().orElse(Double.NaN);
        double limit = rows.stream().filter(row -> row.measure().startsWith("limit:")).mapToDouble(Row::value).min()
                .orElse(Double.NaN);
        String shape = String.format(Locale.ROOT, "%,d records of about %d bytes, %d partitions, 2 cores", records,
                BenchData.value(records / 2, System.currentTimeMillis()).length(), PARTITIONS);
        Charts.rates(rows, Double.isNaN(consume)
                ? "records/s, " + shape
                : String.format(Locale.ROOT, "records/s, %s (plain KafkaConsumer: %,.0f records/s)", shape, consume),
                OUT.resolve("rates.png"));
        if (!Double.isNaN(limit)) {
            Charts.ratios(rows, limit, String.format(Locale.ROOT,
                    "share of the limit (%,.0f rows/s: the smaller of plain consume and plain COPY)", limit),
                    OUT.resolve("ratios.png"));
        }
        if (!latencyLevels.isEmpty()) {
            Charts.latency(latencyLevels, "latency produce → row committed", OUT.resolve("latency.png"));
        }
        if (!slow.isEmpty()) {
            Charts.slowDownstream(slow, slowLatencyMs, OUT.resolve("slow-downstream.png"));
        }
        say("wrote the charts in %s", OUT);
    }

    // ------------------------------------------------------------------ helpers

    private void produce(String topic, int count, double perSecond) throws InterruptedException {
        produce(topic, count, perSecond,
                id -> new ProducerRecord<>(topic, BenchData.key(id), BenchData.value(id, System.currentTimeMillis())));
    }

    /** Produces records {@code 0..count-1}, at {@code perSecond} (as fast as it goes when 0). */
    void produce(String topic, int count, double perSecond, LongFunction<ProducerRecord<String, String>> record)
            throws InterruptedException {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, perSecond > 0 ? 5 : 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        long start = System.nanoTime();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (long id = 0; id < count; id++) {
                if (perSecond > 0 && id % 100 == 0) {
                    long due = start + (long) (id / perSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                producer.send(record.apply(id));
                if (perSecond == 0 && id > 0 && id % 200_000 == 0) {
                    say("  produced %,d", id);
                }
            }
        }
    }

    private KafkaConsumer<String, String> consumer(String group) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        return new KafkaConsumer<>(properties);
    }

    private List<TopicPartition> partitions(String topic) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int partition = 0; partition < PARTITIONS; partition++) {
            partitions.add(new TopicPartition(topic, partition));
        }
        return partitions;
    }

    DataSource db() {
        return postgres.getPostgresDatabase();
    }

    long count(String sql) {
        try (Connection connection = db().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Writes out what earlier steps left dirty, so no step pays for another's checkpoint. */
    void checkpoint() throws SQLException {
        try (Connection connection = db().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
        }
    }

    private String show(String setting) throws SQLException {
        try (Connection connection = db().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SHOW " + setting)) {
            result.next();
            return result.getString(1);
        }
    }

    private static String cpu(Run run) {
        return String.format(Locale.ROOT, "CPU %.0f%% busy; CPU-s per 1M records: app %.1f, PostgreSQL %.1f",
                run.cpuBusy() * 100, run.appCpuPerMillion(), run.dbCpuPerMillion());
    }

    static String ratio(double value, double base) {
        return String.format(Locale.ROOT, "%.2fx", value / base);
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (var walk = Files.walk(path)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void say(String format, Object... args) {
        System.out.printf("[bench] " + format + "%n", args);
    }
}
