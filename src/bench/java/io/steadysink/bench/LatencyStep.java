package io.steadysink.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The latency step. First the rate the whole pipeline sustains with the producer running (producer,
 * broker, steady-sink and PostgreSQL on the same cores): records produced as fast as the application
 * drains them, the producer held back only to keep the backlog under {@link #WINDOW} records, the
 * application's write rate over {@code bench.latency-seconds}. Then, with a new application on a new
 * topic, 10 s of warm-up at half that rate and {@code bench.latency-seconds} at each of 10 %, 50 %
 * and 80 % of it, in that order: per load, p50 / p99 / p99.9 of produce → row committed, how busy
 * the machine was, and where a batch's oldest record spent its time, from the application's own
 * histograms.
 * <p>
 * Latency is {@code ingested_at − event_time} per row: the row's insert time ({@code clock_timestamp()},
 * its transaction commits right after) minus the producer's record timestamp (set when the producer
 * took the record), both wall clocks of this machine, in milliseconds.
 */
final class LatencyStep {

    /** The loads measured, as shares of the sustained rate. */
    static final double[] LOADS = {0.1, 0.5, 0.8};
    /** Records the producer may be ahead of the application while the sustained rate is measured. */
    private static final long WINDOW = 50_000;
    private static final int WARM_UP_SECONDS = 10;
    private static final String WRITTEN = "steady_sink_records_written_total{topic=\"%s\"}";

    /** A stage of a batch's way to the table: its histogram, and what the table calls it. */
    record Stage(String metric, String name) {
    }

    /** The stages in the order a batch goes through them; all histograms of one sample per batch. */
    static final List<Stage> STAGES = List.of(
            new Stage("steady_sink_batch_age_at_poll_seconds", "topic before the poll"),
            new Stage("steady_sink_batch_queued_seconds", "queued for a worker"),
            new Stage("steady_sink_batch_statements_seconds", "write statements"),
            new Stage("steady_sink_batch_commit_seconds", "commit"));

    private final Benchmark bench;
    private final int seconds = Integer.getInteger("bench.latency-seconds", 20);

    LatencyStep(Benchmark bench) {
        this.bench = bench;
    }

    /**
     * The step: the sustained rate ({@code bench.latency-sustained} when set, measured otherwise), then
     * each load of it; with {@code bench.latency-rate} set, that one rate alone.
     */
    void run() throws Exception {
        double single = Double.parseDouble(System.getProperty("bench.latency-rate", "0"));
        if (single > 0) {
            measure(new double[]{single}, single, "as set");
            return;
        }
        double sustained = Double.parseDouble(System.getProperty("bench.latency-sustained", "0"));
        String why = "as set";
        if (sustained <= 0) {
            sustained = sustainedRate();
            why = "measured";
        }
        double[] rates = new double[LOADS.length];
        for (int i = 0; i < LOADS.length; i++) {
            rates[i] = sustained * LOADS[i];
        }
        measure(rates, sustained, why);
    }

    // ------------------------------------------------------------------ the sustained rate

    private double sustainedRate() throws Exception {
        String topic = "bench-latency-sustained";
        String table = "bench_latency_sustained";
        LocalKafka.createTopic(topic, Benchmark.PARTITIONS);
        bench.createAppendTable(table);
        bench.checkpoint();
        try (SteadySinkProcess app = SteadySinkProcess.start("bench-latency-sustained",
                bench.env(topic, "bench-latency-sustained", table, 4), false)) {
            Benchmark.awaitReady(app);
            AtomicLong written = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread producer = new Thread(() -> produceAhead(topic, written, stop), "bench-latency-producer");
            producer.start();
            String series = String.format(WRITTEN, topic);
            long start = System.nanoTime();
            long warmEnd = start + WARM_UP_SECONDS * 1_000_000_000L;
            long end = warmEnd + seconds * 1_000_000_000L;
            long[] cpuAtWarm = null;
            double[] processAtWarm = null;
            long writtenAtWarm = 0;
            long warmNanos = 0;
            long now;
            while ((now = System.nanoTime()) < end) {
                long count = Math.max(0, (long) Scrape.decimal(app.httpGet("/q/metrics"), series));
                written.set(count);
                if (cpuAtWarm == null && now >= warmEnd) {
                    cpuAtWarm = Benchmark.cpuTicks();
                    processAtWarm = bench.processCpu(app);
                    writtenAtWarm = count;
                    warmNanos = now;
                }
                Thread.sleep(250);
            }
            long count = (long) Scrape.decimal(app.httpGet("/q/metrics"), series);
            now = System.nanoTime();
            double busy = Benchmark.busy(cpuAtWarm, Benchmark.cpuTicks());
            double[] process = bench.processCpu(app);
            stop.set(true);
            producer.join();
            double rate = (count - writtenAtWarm) / ((now - warmNanos) / 1e9);
            double appPerMillion = (process[0] - processAtWarm[0]) * 1e6 / (count - writtenAtWarm);
            double dbPerMillion = (process[1] - processAtWarm[1]) * 1e6 / (count - writtenAtWarm);
            bench.rows.add(new Benchmark.Row("latency step: rate sustained with the producer running", rate,
                    "records/s", String.format(Locale.ROOT, "over %d s after %d s of warm-up, backlog held under "
                            + "%,d records; CPU %.0f%% busy, load average %s; CPU-s per 1M records: app %.1f, "
                            + "PostgreSQL %.1f", seconds, WARM_UP_SECONDS, WINDOW, busy * 100,
                            Benchmark.loadAverage(), appPerMillion, dbPerMillion)));
            Benchmark.say("sustained with the producer running: %,.0f records/s (CPU %.0f%% busy, load average %s)",
                    rate, busy * 100, Benchmark.loadAverage());
            app.stop();
            return rate;
        }
    }

    /** Produces as fast as it goes while fewer than {@link #WINDOW} records wait, until {@code stop}. */
    private void produceAhead(String topic, AtomicLong written, AtomicBoolean stop) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(20))) {
            long id = 0;
            while (!stop.get()) {
                if (id - written.get() > WINDOW) {
                    Thread.sleep(1);
                    continue;
                }
                for (int i = 0; i < 500; i++, id++) {
                    producer.send(new ProducerRecord<>(topic, BenchData.key(id),
                            BenchData.value(id, System.currentTimeMillis())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Object> producerConfig(int lingerMs) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    }

    // ------------------------------------------------------------------ the loads

    /** What one load measured. */
    record Load(double rate, double[] percentiles, long rows, double busy, String loadAverage,
            Map<String, double[]> stages, double gcPauses, double appCpuPerMillion, double dbCpuPerMillion) {
    }

    private void measure(double[] rates, double sustained, String why) throws Exception {
        String topic = "bench-latency";
        String table = "bench_latency";
        LocalKafka.createTopic(topic, Benchmark.PARTITIONS);
        bench.createAppendTable(table);
        try (Connection connection = bench.db().getConnection(); Statement statement = connection.createStatement()) {
            // the time each row is inserted (its transaction commits right after), not its transaction's start
            statement.execute("ALTER TABLE " + table + " ALTER COLUMN ingested_at SET DEFAULT clock_timestamp()");
        }
        bench.checkpoint();
        List<Load> loads = new ArrayList<>();
        try (SteadySinkProcess app = SteadySinkProcess.start("bench-latency",
                bench.env(topic, "bench-latency", table, 4),
                false)) {
            Benchmark.awaitReady(app);
            Thread.sleep(2_000);
            String series = String.format(WRITTEN, topic);
            // the JIT's warm-up, at half the sustained rate (or the one rate), left out of every figure
            double warmRate = rates.length == 1 ? rates[0] : sustained / 2;
            long next = 0;
            int warm = (int) Math.min(warmRate * WARM_UP_SECONDS, 1_000_000);
            produce(topic, next, warm, warmRate);
            next += warm;
            awaitWritten(app, series, next);
            for (double rate : rates) {
                int count = (int) Math.max(1, rate * seconds);
                String before = app.httpGet("/q/metrics");
                long[] cpuBefore = Benchmark.cpuTicks();
                double[] processBefore = bench.processCpu(app);
                produce(topic, next, count, rate);
                awaitWritten(app, series, next + count);
                double busy = Benchmark.busy(cpuBefore, Benchmark.cpuTicks());
                double[] process = bench.processCpu(app);
                String load = Benchmark.loadAverage();
                Thread.sleep(300); // the samples of the last batch are taken right after its commit
                String after = app.httpGet("/q/metrics");
                double[] percentiles = percentiles(table, next, next + count);
                Map<String, double[]> stages = new LinkedHashMap<>();
                for (Stage stage : STAGES) {
                    stages.put(stage.name(), histogram(before, after, stage.metric()));
                }
                double gc = gcPauses(before, after);
                loads.add(new Load(rate, percentiles, count, busy, load, stages, gc,
                        (process[0] - processBefore[0]) * 1e6 / count, (process[1] - processBefore[1]) * 1e6 / count));
                double batches = stages.get(STAGES.get(1).name())[0];
                Benchmark.say("latency at %,.0f records/s: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, CPU %.0f%% busy, "
                        + "load average %s; %s; %,.0f batches (%.1f records each), GC pauses %.0f ms, CPU-s per 1M "
                        + "records: app %.1f, PostgreSQL %.1f", rate, percentiles[0], percentiles[1], percentiles[2],
                        busy * 100, load, breakdown(stages), batches, count / Math.max(1, batches), gc,
                        loads.get(loads.size() - 1).appCpuPerMillion(), loads.get(loads.size() - 1).dbCpuPerMillion());
                next += count;
            }
            app.stop();
        }
        for (int i = 0; i < loads.size(); i++) {
            Load load = loads.get(i);
            String share = rates.length == 1
                    ? String.format(Locale.ROOT, "%,.0f records/s (%s)", load.rate(), why)
                    : String.format(Locale.ROOT, "%.0f %% of %,.0f (%s)", LOADS[i] * 100, sustained, why);
            String[] names = {"p50", "p99", "p99.9"};
            bench.latencyLevels.add(new Charts.LatencyLevel(rates.length == 1
                    ? String.format(Locale.ROOT, "%,.0f/s", load.rate())
                    : String.format(Locale.ROOT, "%.0f %%: %,.0f/s, CPU %.0f%% busy", LOADS[i] * 100, load.rate(),
                            load.busy() * 100),
                    load.percentiles()[0], load.percentiles()[1], load.percentiles()[2]));
            for (int p = 0; p < names.length; p++) {
                String note = switch (p) {
                    case 0 -> String.format(Locale.ROOT, "at %,.0f records/s, %,d rows over %d s after %d s of "
                            + "warm-up", load.rate(), load.rows(), seconds, WARM_UP_SECONDS);
                    case 1 -> String.format(Locale.ROOT, "machine CPU %.0f%% busy meanwhile (producer and broker "
                            + "included), load average %s; CPU-s per 1M records: app %.1f, PostgreSQL %.1f",
                            load.busy() * 100, load.loadAverage(), load.appCpuPerMillion(), load.dbCpuPerMillion());
                    default -> String.format(Locale.ROOT, "%,.0f batches; ", load.stages().get(STAGES.get(1).name())[0])
                            + "per batch, mean / p99 ms: " + breakdown(load.stages())
                            + (Double.isNaN(load.gcPauses())
                                    ? ""
                                    : String.format(Locale.ROOT, "; GC pauses %.0f ms in all", load.gcPauses()));
                };
                bench.rows.add(new Benchmark.Row("latency at " + share + ", " + names[p], load.percentiles()[p],
                        "ms", note));
            }
        }
    }

    /** Produces records {@code first..first+count-1} at {@code perSecond}, each stamped when it is sent. */
    private void produce(String topic, long first, int count, double perSecond) throws InterruptedException {
        bench.produce(topic, count, perSecond, id -> new ProducerRecord<>(topic, BenchData.key(first + id),
                BenchData.value(first + id, System.currentTimeMillis())));
    }

    private static void awaitWritten(SteadySinkProcess app, String series, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (Scrape.decimal(app.httpGet("/q/metrics"), series) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("latency: " + expected + " records not written within 300 s");
            }
            Thread.sleep(100);
        }
    }

    /** p50, p99 and p99.9 of produce → row inserted (ms) of the records {@code from..to-1}. */
    private double[] percentiles(String table, long from, long to) throws Exception {
        try (Connection connection = bench.db().getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT percentile_cont(ARRAY[0.5, 0.99, 0.999]) WITHIN "
                        + "GROUP (ORDER BY extract(epoch FROM ingested_at - event_time) * 1000) FROM " + table
                        + " WHERE (payload->>'id')::bigint >= " + from + " AND (payload->>'id')::bigint < " + to)) {
            result.next();
            Double[] values = (Double[]) result.getArray(1).getArray();
            return new double[]{values[0], values[1], values[2]};
        }
    }

    /** "stage mean/p99, ..." in ms; "-" where the application has no such histogram. */
    private static String breakdown(Map<String, double[]> stages) {
        List<String> parts = new ArrayList<>();
        stages.forEach((name, h) -> parts.add(h[0] == 0
                ? name + " -"
                : String.format(Locale.ROOT, "%s %.1f / %.1f", name, h[1] * 1000, h[2] * 1000)));
        return String.join(", ", parts);
    }

    private static final Pattern BUCKET = Pattern
            .compile("(?m)^(\\w+)_bucket\\{(?:[^}]*,)?le=\"([^\"]+)\"[^}]*} (\\S+)$");

    /**
     * The samples of histogram {@code metric} (Prometheus name without {@code _bucket}) between two
     * scrapes: {count, mean, p99} in seconds, p99 interpolated linearly inside its bucket; all zero
     * when there is no such histogram.
     */
    static double[] histogram(String before, String after, String metric) {
        Map<Double, Double> buckets = new TreeMap<>();
        for (String[] scrape : new String[][]{{after, "1"}, {before, "-1"}}) {
            Matcher bucket = BUCKET.matcher(scrape[0]);
            while (bucket.find()) {
                if (bucket.group(1).equals(metric)) {
                    double le = bucket.group(2).equals("+Inf")
                            ? Double.POSITIVE_INFINITY
                            : Double.parseDouble(bucket.group(2));
                    buckets.merge(le, Double.parseDouble(scrape[1]) * Double.parseDouble(bucket.group(3)),
                            Double::sum);
                }
            }
        }
        double count = Scrape.decimal(after, metric + "_count") - Scrape.decimal(before, metric + "_count");
        double sum = Scrape.decimal(after, metric + "_sum") - Scrape.decimal(before, metric + "_sum");
        double total = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0 || count <= 0) {
            return new double[]{0, 0, 0};
        }
        double target = 0.99 * total;
        double lower = 0;
        double below = 0;
        double p99 = Double.NaN;
        for (Map.Entry<Double, Double> bucket : buckets.entrySet()) {
            if (bucket.getValue() >= target) {
                p99 = Double.isInfinite(bucket.getKey()) || bucket.getValue().equals(below)
                        ? lower
                        : lower + (bucket.getKey() - lower) * (target - below) / (bucket.getValue() - below);
                break;
            }
            lower = bucket.getKey();
            below = bucket.getValue();
        }
        return new double[]{count, sum / count, p99};
    }

    /**
     * Milliseconds the application's JVM spent in GC pauses between two scrapes (Micrometer's
     * {@code jvm_gc_pause_seconds_sum}, all causes and generations), NaN when it does not export it.
     */
    static double gcPauses(String before, String after) {
        Pattern sum = Pattern.compile("(?m)^jvm_gc_pause_seconds_sum\\{[^}]*} (\\S+)$");
        double[] totals = new double[2];
        boolean found = false;
        for (int i = 0; i < 2; i++) {
            Matcher matcher = sum.matcher(i == 0 ? before : after);
            while (matcher.find()) {
                totals[i] += Double.parseDouble(matcher.group(1));
                found = true;
            }
        }
        return found ? (totals[1] - totals[0]) * 1000 : Double.NaN;
    }
}
