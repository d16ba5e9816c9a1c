package io.steadysink.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Kafka Connect (standalone worker) running Debezium's PostgreSQL connector, capturing
 * {@link SourcePostgres} into the shared {@link LocalKafka} broker: real change events for the tests
 * and the demo, from the real producer of them. Test scope only.
 * <p>
 * The worker is a separate JVM on this JVM's class path (so Connect's Jetty and Jersey never share
 * a Quarkus test JVM), started once per JVM on first use, with its REST API on a free loopback port,
 * its offsets in {@code target/debezium-connect/offsets.dat} and its log in
 * {@code target/debezium-connect/connect.log}. It ends with this JVM: a shutdown hook kills it, and
 * it halts by itself when its standard input closes (this JVM died without running hooks).
 * <p>
 * Each {@link #capture(String, String, Map) capture} is one connector with its own replication
 * slot and publication, writing every table of one schema to {@code <name>.<schema>.<table>} as
 * Kafka Connect's {@code JsonConverter} writes it ({@code schemas.enable} true unless overridden,
 * e.g. with {@link #SCHEMALESS}).
 */
public final class DebeziumConnect {

    public static final String CONNECTOR_CLASS = "io.debezium.connector.postgresql.PostgresConnector";
    public static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

    /** Connector settings for keys and values as plain JSON, without the {@code schema}/{@code payload} wrapper. */
    public static final Map<String, String> SCHEMALESS = Map.of(
            "key.converter.schemas.enable", "false",
            "value.converter.schemas.enable", "false");

    /** Connector settings that unwrap each change event into the row after it (Debezium's ExtractNewRecordState). */
    public static final Map<String, String> UNWRAPPED = Map.of(
            "transforms", "unwrap",
            "transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState");

    /** How long the worker, and then each connector, may take to start. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private static final String SHARED_URL = "steady-sink.test.debezium-connect.url";
    private static final Path HOME = Path.of("target", "debezium-connect");
    private static final Path LOG = HOME.resolve("connect.log");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,40}");

    private DebeziumConnect() {
    }

    /** One connector's change events: topics are {@code <topicPrefix>.<schema>.<table>}. */
    public record Capture(String name, String topicPrefix) {

        public String topic(String schema, String table) {
            return topicPrefix + "." + schema + "." + table;
        }
    }

    /** Starts the worker on first use; returns the base URL of its REST API. */
    public static String restUrl() {
        return OncePerJvm.value(SHARED_URL, DebeziumConnect::startWorker);
    }

    /** {@link #capture(String, String, Map)} with the defaults: change-event envelopes with schemas. */
    public static Capture capture(String name, String schema) {
        return capture(name, schema, Map.of());
    }

    /**
     * Starts (or finds running) the connector {@code name} that captures the tables of
     * {@code schema} in {@link SourcePostgres}, and returns once it streams: its task is RUNNING and
     * its replication slot is active, so every later commit arrives as a change event (rows
     * committed before that arrive as snapshot reads, op {@code r}). {@code name} is also the topic
     * prefix, the slot and the publication name. {@code overrides} replace or add connector settings
     * (Debezium's and the converters', e.g. {@link #SCHEMALESS}, {@link #UNWRAPPED}).
     */
    public static Capture capture(String name, String schema, Map<String, String> overrides) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("A capture name is lower-case letters, digits and _: " + name);
        }
        Map<String, String> config = new LinkedHashMap<>();
        config.put("connector.class", CONNECTOR_CLASS);
        config.put("tasks.max", "1");
        config.put("database.hostname", "127.0.0.1");
        config.put("database.port", Integer.toString(SourcePostgres.port()));
        config.put("database.user", SourcePostgres.USER);
        config.put("database.password", SourcePostgres.PASSWORD);
        config.put("database.dbname", SourcePostgres.DATABASE);
        config.put("topic.prefix", name);
        config.put("plugin.name", "pgoutput");
        config.put("slot.name", name);
        config.put("publication.name", name);
        // FOR ALL TABLES: tables created after the connector started are published too.
        config.put("publication.autocreate.mode", "all_tables");
        config.put("schema.include.list", schema);
        config.put("poll.interval.ms", "100");
        config.put("key.converter", JSON_CONVERTER);
        config.put("key.converter.schemas.enable", "true");
        config.put("value.converter", JSON_CONVERTER);
        config.put("value.converter.schemas.enable", "true");
        // The broker creates no topic by itself; Connect creates each table's topic.
        config.put("topic.creation.default.replication.factor", "1");
        config.put("topic.creation.default.partitions", "1");
        config.putAll(overrides);

        String url = restUrl() + "/connectors/" + name;
        HttpResponse<String> put = ConnectRest.send(HttpRequest.newBuilder(URI.create(url + "/config"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(ConnectRest.json(config)))
                .build(), DebeziumConnect::logTail);
        if (put.statusCode() / 100 != 2) {
            throw new IllegalStateException("Kafka Connect refused connector " + name + " (HTTP "
                    + put.statusCode() + "): " + put.body() + logTail());
        }
        awaitStreaming(name, url);
        return new Capture(name, name);
    }

    /**
     * Writes a Kafka Connect worker JVM's logging configuration to {@code file}: INFO, with the
     * Kafka clients, Jetty, Jersey and the {@code quieter} loggers at WARN.
     */
    public static void writeLogging(Path file, String... quieter) throws IOException {
        List<String> quiet = new ArrayList<>(List.of("org.apache.kafka.clients", "org.apache.kafka.common",
                "org.eclipse.jetty", "org.glassfish"));
        quiet.addAll(List.of(quieter));
        List<String> lines = new ArrayList<>();
        lines.add("loggers=" + String.join(",", quiet));
        lines.add("logger.level=INFO");
        for (String logger : quiet) {
            lines.add("logger." + logger + ".level=WARN");
        }
        lines.addAll(List.of("logger.handlers=CONSOLE",
                "handler.CONSOLE=org.jboss.logmanager.handlers.ConsoleHandler",
                "handler.CONSOLE.formatter=PATTERN",
                "formatter.PATTERN=org.jboss.logmanager.formatters.PatternFormatter",
                "formatter.PATTERN.properties=pattern",
                "formatter.PATTERN.pattern=%d{HH:mm:ss,SSS} %-5p [%c{3.}] (%t) %s%e%n",
                ""));
        Files.writeString(file, String.join("\n", lines), StandardCharsets.UTF_8);
    }

    /**
     * Starts a standalone Kafka Connect worker (under {@link ParentWatchdog}) in a JVM of its own on this JVM's
     * class path, with {@code jvmOptions}, the logging of {@link #writeLogging} in {@code logging},
     * the worker settings in {@code workerProperties} and its output in {@code log}.
     */
    public static Process startWorker(List<String> jvmOptions, Path logging, Path workerProperties, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        command.add("-Dlogging.configuration=" + logging.toAbsolutePath().toUri());
        command.add(ParentWatchdog.class.getName());
        command.add("org.apache.kafka.connect.cli.ConnectStandalone");
        command.add(workerProperties.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("CLASSPATH", workerClassPath());
        return builder.start();
    }

    /** The last lines of the worker's log, for failure messages. */
    public static String logTail() {
        return ConnectRest.logTail(LOG, 60);
    }

    private static void awaitStreaming(String name, String url) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String status = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = ConnectRest.send(
                    HttpRequest.newBuilder(URI.create(url + "/status")).GET().build(),
                    DebeziumConnect::logTail);
            status = response.body();
            if (response.statusCode() == 200) {
                JsonNode state = ConnectRest.read(status);
                List<String> states = new ArrayList<>();
                states.add(state.path("connector").path("state").asText());
                state.path("tasks").forEach(task -> states.add(task.path("state").asText()));
                if (states.contains("FAILED")) {
                    throw new IllegalStateException("Debezium connector " + name + " failed: " + status + logTail());
                }
                if (states.size() > 1 && states.stream().allMatch("RUNNING"::equals) && slotStreams(name)) {
                    return;
                }
            }
            ConnectRest.sleep(200);
        }
        throw new IllegalStateException("Debezium connector " + name + " was not streaming within " + START_TIMEOUT
                + " (status: " + status + ")" + logTail());
    }

    /** The slot exists, has reached its consistent point and a WAL sender reads it. */
    private static boolean slotStreams(String slot) {
        try (Connection connection = SourcePostgres.connect();
                PreparedStatement query = connection
                        .prepareStatement("SELECT active AND confirmed_flush_lsn IS NOT NULL"
                                + " FROM pg_replication_slots WHERE slot_name = ?")) {
            query.setString(1, slot);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the replication slots of the source PostgreSQL", e);
        }
    }

    private static String startWorker() {
        int port = SteadySinkProcess.freePort();
        String url = "http://127.0.0.1:" + port;
        try {
            Files.createDirectories(HOME);
            Path offsets = HOME.resolve("offsets.dat");
            Files.deleteIfExists(offsets);
            Path worker = HOME.resolve("worker.properties");
            Files.writeString(worker, String.join("\n",
                    "bootstrap.servers=" + LocalKafka.bootstrapServers(),
                    "key.converter=" + JSON_CONVERTER,
                    "value.converter=" + JSON_CONVERTER,
                    "offset.storage.file.filename=" + offsets.toAbsolutePath(),
                    "offset.flush.interval.ms=1000",
                    "listeners=" + url,
                    // Plugins from their service manifests: no reflective scan of the whole class path.
                    "plugin.discovery=service_load",
                    ""), StandardCharsets.UTF_8);
            Path logging = HOME.resolve("logging.properties");
            writeLogging(logging);
            Process process = startWorker(List.of("-Xmx512m", "-XX:+UseSerialGC"), logging, worker, LOG);
            OncePerJvm.closeAtExit("debezium-connect-stop", process::destroyForcibly);
            ConnectRest.awaitAnswer(process, url, START_TIMEOUT, DebeziumConnect::logTail);
            return url;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Kafka Connect", e);
        }
    }

    /**
     * This JVM's class path, with the entries of a manifest-only jar (Surefire's booter) spelled
     * out, less Quarkus's bootstrap runner: its log initializer holds every log record back until a
     * Quarkus application configures logging, so the worker's log would stay empty. Also the class
     * path of other Kafka Connect workers started the same way (the benchmark's).
     */
    public static String workerClassPath() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            String manifestClassPath = null;
            if (entry.endsWith(".jar") && Files.isRegularFile(path)) {
                try (JarFile jar = new JarFile(path.toFile())) {
                    Manifest manifest = jar.getManifest();
                    manifestClassPath = manifest == null
                            ? null
                            : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                }
            }
            entries.add(entry);
            if (manifestClassPath != null) {
                URI base = path.toAbsolutePath().toUri();
                for (String reference : manifestClassPath.trim().split("\\s+")) {
                    entries.add(Path.of(base.resolve(reference)).toString());
                }
            }
        }
        entries.removeIf(entry -> Path.of(entry).getFileName().toString().startsWith("quarkus-bootstrap-runner"));
        return String.join(File.pathSeparator, entries);
    }
}
