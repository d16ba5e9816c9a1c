package io.steadysink.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.SteadySinkProcess;

/**
 * {@code -Dbench.only=start}: JVM start to ready of the packaged application, phase by phase, over
 * several starts against the benchmark's broker and PostgreSQL. Each start is a restart of the one
 * member of its group, with its table already migrated (an untimed first start creates it): what a
 * pod restart does. The phases come from the application's log (its timestamps, in milliseconds)
 * and from the benchmark's own clock for the launch and the first {@code 200} of
 * {@code /q/health/ready}.
 * <p>
 * The application runs from {@code target/quarkus-app}, as its start-up archive needs: an AppCDS
 * archive ({@code app-cds.jsa}) or an AOT cache ({@code app.aot}) found there is used (unless
 * {@code -Dbench.start-archive=false}). Options: {@code -Dbench.start-runs} (starts measured, 5),
 * {@code -Dbench.start-java} (the JDK to run it with, the benchmark's own by default),
 * {@code -Dbench.start-jvm-options} (more JVM options, space-separated).
 */
final class StartBench {

    static final String TOPIC = "bench-start";
    static final String TABLE = "bench_start";

    /** The log's timestamps; the format is set for the run so that they can be read back. */
    private static final String LOG_FORMAT = "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n";
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static final String CPU = "cpu";
    private static final Pattern STARTED_IN = Pattern.compile("started in (\\d+\\.\\d+)s");

    /**
     * The milestones of a start, in the order they happen, each with the log line that marks it (its
     * first occurrence); the launch and ready are the benchmark's own.
     */
    private static final Map<String, String> MILESTONES = new LinkedHashMap<>();
    static {
        MILESTONES.put("Quarkus boot begins", null); // the "started in" line's time minus its duration
        MILESTONES.put("settings checked", "Consuming [");
        MILESTONES.put("table migration checked", "is at schema version");
        MILESTONES.put("broker answered", "The Kafka broker answered at start-up");
        MILESTONES.put("channel connects", "SRMSG18229");
        MILESTONES.put("group joined", "Successfully joined group");
        MILESTONES.put("first assignment", "Partitions assigned (generation");
        MILESTONES.put("ready", null); // the benchmark's first 200 of /q/health/ready
        MILESTONES.put("Quarkus started", "started in");
    }

    /** What each phase is, named by the milestone that ends it. */
    private static final Map<String, String> PHASES = Map.of(
            "Quarkus boot begins", "JVM start to Quarkus boot (JVM, runner class loading)",
            "settings checked", "Quarkus boot: extensions, CDI, config; settings check",
            "table migration checked", "PostgreSQL connection, Flyway migration check",
            "broker answered", "Kafka broker check (admin client)",
            "channel connects", "topic-ID check, dead-letter limits, monitor",
            "group joined", "consumer created, coordinator found, JoinGroup",
            "first assignment", "SyncGroup, assignment listener (topic-ID check)",
            "ready", "readiness probe answers 200",
            "Quarkus started", "rest of start-up (after ready)");

    /**
     * Where a phase begins when not at the milestone before it: the broker is checked while
     * PostgreSQL is migrated, and the channel connects after both.
     */
    private static final Map<String, List<String>> AFTER = Map.of(
            "broker answered", List.of("settings checked"),
            "channel connects", List.of("table migration checked", "broker answered"));

    /** One way of starting the application: its directory, the JDK and the JVM options. */
    record Variant(Path app, String java, List<String> jvm) {

        String label() {
            return java + " " + String.join(" ", jvm) + " -jar " + app.resolve("quarkus-run.jar");
        }
    }

    private final String jdbcUrl;
    private final Path logs;

    StartBench(String jdbcUrl, Path out) {
        this.jdbcUrl = jdbcUrl;
        this.logs = out.toAbsolutePath();
    }

    /**
     * Starts the application {@code bench.start-runs} times in each variant, the variants taking
     * turns (so that a change in the machine's load falls on all of them); prints the breakdown of
     * each; returns the median start to ready of the first.
     */
    double run() throws Exception {
        LocalKafka.createTopic(TOPIC, 6);
        int runs = Integer.getInteger("bench.start-runs", 5);
        List<Variant> variants = variants();
        List<List<Map<String, Long>>> starts = new ArrayList<>();
        for (Variant variant : variants) {
            System.out.printf(Locale.ROOT, "start: %s, load average %s%n", variant.label(), loadAverage());
            start(variant, "start-first"); // creates the table, fills the page cache; not counted
            starts.add(new ArrayList<>());
        }
        for (int i = 1; i <= runs; i++) {
            for (int v = 0; v < variants.size(); v++) {
                starts.get(v).add(start(variants.get(v), "start-" + (v + 1) + "-" + i));
            }
        }
        for (int v = 0; v < variants.size(); v++) {
            System.out.println();
            System.out.println(variants.get(v).label());
            print(starts.get(v));
        }
        return median(starts.get(0).stream().mapToLong(start -> start.get("ready")).toArray()) / 1000.0;
    }

    /**
     * The packaged application ({@code steady-sink.runner}'s directory) with the benchmark's JDK or
     * {@code bench.start-java}; or, with {@code bench.start-apps}, each {@code dir[@jdk]} listed
     * (comma-separated), e.g. the same build without and with its start-up archive.
     */
    private static List<Variant> variants() {
        String java = System.getProperty("bench.start-java", "").isBlank()
                ? System.getProperty("java.home")
                : System.getProperty("bench.start-java").trim();
        String apps = System.getProperty("bench.start-apps", "").trim();
        List<Variant> variants = new ArrayList<>();
        if (apps.isEmpty()) {
            variants.add(variant(SteadySinkProcess.runner().toAbsolutePath().getParent(), java));
        }
        for (String entry : apps.isEmpty() ? new String[0] : apps.split(",")) {
            String[] parts = entry.trim().split("@", 2);
            variants.add(variant(Path.of(parts[0]).toAbsolutePath(), parts.length > 1 ? parts[1] : java));
        }
        return variants;
    }

    private static Variant variant(Path app, String javaHome) {
        List<String> options = new ArrayList<>();
        if (!"false".equals(System.getProperty("bench.start-archive"))) {
            if (Files.exists(app.resolve("app.aot"))) {
                options.add("-XX:AOTCache=app.aot");
            } else if (Files.exists(app.resolve("app-cds.jsa"))) {
                options.add("-XX:SharedArchiveFile=app-cds.jsa");
            }
        }
        String more = System.getProperty("bench.start-jvm-options", "").trim();
        if (!more.isEmpty()) {
            options.addAll(Arrays.asList(more.split("\\s+")));
        }
        return new Variant(app, Path.of(javaHome, "bin", "java").toString(), options);
    }

    /** One start: milliseconds from the launch to each milestone. */
    private Map<String, Long> start(Variant variant, String name) throws Exception {
        Map<String, String> env = SteadySinkProcess.localInfrastructure(SteadySinkProcess.freePort());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl);
        env.put("SINK_TOPICS", TOPIC);
        env.put("SINK_GROUP_ID", "bench-start");
        env.put("SINK_TABLE", TABLE);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        env.put("QUARKUS_LOG_CONSOLE_FORMAT", LOG_FORMAT);
        // the consumer's join and sync, as its coordinator logs them
        env.put("QUARKUS_LOG_CATEGORY__ORG_APACHE_KAFKA_CLIENTS_CONSUMER_INTERNALS__LEVEL", "INFO");
        List<String> command = new ArrayList<>(List.of(variant.java()));
        command.addAll(variant.jvm());
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        // from its directory: a start-up archive records the class path as it was given
        ProcessBuilder builder = new ProcessBuilder(command).directory(variant.app().toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("SINK_") || key.startsWith("KAFKA_")
                || key.startsWith("QUARKUS_") || key.startsWith("JAVA_TOOL_OPTIONS") || key.startsWith("JDK_JAVA"));
        builder.environment().putAll(env);
        Path log = logs.resolve(name + ".log");
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        int port = Integer.parseInt(env.get("QUARKUS_HTTP_PORT"));
        long launched = System.currentTimeMillis();
        Process process = builder.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-" + name));
        try {
            long ready = awaitReady(process, port, log) - launched;
            long cpu = Benchmark.cpuMillis(process.pid());
            // readiness may come before Quarkus says it started (the group is joined during start-up)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("started in") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Map<String, Long> at = milestones(Files.readAllLines(log), launched);
            at.put("ready", ready);
            at.put(CPU, cpu);
            return at;
        } finally {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private static long awaitReady(Process process, int port, Path log) throws InterruptedException {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest ready = java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://localhost:" + port + "/q/health/ready")).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the application exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(ready, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return System.currentTimeMillis();
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("not ready within 120 s; see " + log);
    }

    /** Milliseconds from {@code launched} to each milestone found in the log. */
    static Map<String, Long> milestones(List<String> lines, long launched) {
        Map<String, Long> at = new HashMap<>();
        for (String line : lines) {
            if (line.length() < 23 || !Character.isDigit(line.charAt(0))) {
                continue;
            }
            long time;
            try {
                time = LocalDateTime.parse(line.substring(0, 23), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant()
                        .toEpochMilli() - launched;
            } catch (RuntimeException e) {
                continue;
            }
            for (Map.Entry<String, String> milestone : MILESTONES.entrySet()) {
                if (milestone.getValue() != null && line.contains(milestone.getValue())) {
                    at.putIfAbsent(milestone.getKey(), time);
                }
            }
            Matcher started = STARTED_IN.matcher(line);
            if (started.find()) {
                at.putIfAbsent("Quarkus boot begins", time - Math.round(Double.parseDouble(started.group(1)) * 1000));
            }
        }
        return at;
    }

    private static void print(List<Map<String, Long>> starts) {
        List<String> order = new ArrayList<>(MILESTONES.keySet());
        System.out.println();
        System.out.printf(Locale.ROOT, "JVM start to ready, %d starts (ms; min / median / max), load average %s%n",
                starts.size(), loadAverage());
        System.out.printf(Locale.ROOT, "%-24s %-58s %20s %20s%n", "milestone", "phase before it", "phase",
                "since launch");
        String previous = null;
        for (String milestone : order) {
            List<String> after = AFTER.getOrDefault(milestone, previous == null ? List.of() : List.of(previous));
            long[] since = starts.stream().mapToLong(start -> start.getOrDefault(milestone, -1L)).toArray();
            long[] phase = starts.stream().mapToLong(start -> start.getOrDefault(milestone, -1L)
                    - after.stream().mapToLong(begin -> start.getOrDefault(begin, -1L)).max().orElse(0)).toArray();
            boolean found = Arrays.stream(since).allMatch(value -> value >= 0);
            System.out.printf(Locale.ROOT, "%-24s %-58s %20s %20s%n", milestone, PHASES.get(milestone),
                    found ? spread(phase) : "(not logged)", found ? spread(since) : "");
            if (found) {
                previous = milestone;
            }
        }
        long[] cpu = starts.stream().mapToLong(start -> start.get(CPU)).toArray();
        System.out.printf(Locale.ROOT, "%-24s %-58s %20s%n", "CPU at ready", "CPU-milliseconds the process used",
                spread(cpu));
        System.out.println();
    }

    private static String spread(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[0] + " / " + median(sorted) + " / " + sorted[sorted.length - 1];
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
