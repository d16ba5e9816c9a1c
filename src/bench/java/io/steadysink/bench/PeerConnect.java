package io.steadysink.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import io.steadysink.testing.ConnectRest;
import io.steadysink.testing.DebeziumConnect;
import io.steadysink.testing.SteadySinkProcess;

/**
 * One Kafka Connect standalone worker in a JVM of its own, running one sink connector: the peer
 * the benchmark sets beside steady-sink. Started the way {@link DebeziumConnect} starts its worker
 * (this JVM's class path, {@link io.steadysink.testing.ParentWatchdog} as the entry point, so it also ends when
 * this JVM does), with the heap and garbage collector settings of Kafka's own
 * {@code connect-standalone.sh}, its REST API on a free loopback port and its log in
 * {@code target/bench/<name>.log}. One worker per measured step, so its process's CPU time and
 * peak RSS are that step's alone.
 */
final class PeerConnect implements AutoCloseable {

    /**
     * What Kafka's {@code connect-standalone.sh} and {@code kafka-run-class.sh} give a Connect worker
     * unless told otherwise; the heap's maximum is {@code -Dbench.peer-xmx} (default {@code 2G}).
     */
    static final List<String> JVM_OPTIONS = List.of("-Xms256M", "-Xmx" + System.getProperty("bench.peer-xmx", "2G"),
            "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final String url;
    private final Path log;

    private PeerConnect(Process process, String url, Path log) {
        this.process = process;
        this.url = url;
        this.log = log;
    }

    /**
     * Starts a worker named {@code name} (its files under {@code home}) against {@code bootstrap}
     * and returns once its REST API answers. {@code offset.flush.interval.ms} is how often its sink
     * tasks commit their consumer offsets.
     */
    static PeerConnect start(String name, Path home, String bootstrap, long offsetFlushMillis) throws IOException {
        int port = SteadySinkProcess.freePort();
        String url = "http://127.0.0.1:" + port;
        Files.createDirectories(home);
        Path offsets = home.resolve(name + "-offsets.dat");
        Files.deleteIfExists(offsets);
        Path worker = home.resolve(name + "-worker.properties");
        Files.writeString(worker, String.join("\n",
                "bootstrap.servers=" + bootstrap,
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=" + DebeziumConnect.JSON_CONVERTER,
                "offset.storage.file.filename=" + offsets.toAbsolutePath(),
                "offset.flush.interval.ms=" + offsetFlushMillis,
                "listeners=" + url,
                "plugin.discovery=service_load",
                // lets a connector set its consumer's max.poll.records (consumer.override.*)
                "connector.client.config.override.policy=All",
                ""), StandardCharsets.UTF_8);
        Path logging = home.resolve(name + "-logging.properties");
        DebeziumConnect.writeLogging(logging, "org.hibernate");
        Path log = home.resolve(name + ".log");
        PeerConnect peer = new PeerConnect(DebeziumConnect.startWorker(JVM_OPTIONS, logging, worker, log), url, log);
        try {
            ConnectRest.awaitAnswer(peer.process, url, START_TIMEOUT, peer::logTail);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    long pid() {
        return process.pid();
    }

    /** The worker JVM's peak resident set ({@code VmHWM}), bytes; -1 when unknown. */
    long peakResidentBytes() {
        return SteadySinkProcess.peakResidentBytes(process.pid());
    }

    /** Creates the connector {@code name} and returns once it and all its tasks run. */
    void connector(String name, Map<String, String> config) {
        HttpResponse<String> put = ConnectRest
                .send(HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/config"))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(ConnectRest.json(config)))
                        .build(), this::logTail);
        if (put.statusCode() / 100 != 2) {
            throw new IllegalStateException("Kafka Connect refused connector " + name + " (HTTP " + put.statusCode()
                    + "): " + put.body() + logTail());
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            checkRunning(name);
            JsonNode status = status(name);
            if (status != null && status.path("tasks").size() > 0
                    && "RUNNING".equals(status.path("connector").path("state").asText())) {
                boolean all = true;
                for (JsonNode task : status.path("tasks")) {
                    all &= "RUNNING".equals(task.path("state").asText());
                }
                if (all) {
                    return;
                }
            }
            ConnectRest.sleep(200);
        }
        throw new IllegalStateException("connector " + name + " did not run within " + START_TIMEOUT + logTail());
    }

    /** Fails when the connector or one of its tasks failed (with its trace) or the worker is gone. */
    void checkRunning(String name) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka Connect exited with " + process.exitValue() + logTail());
        }
        JsonNode status = status(name);
        if (status == null) {
            return;
        }
        List<JsonNode> states = new ArrayList<>();
        states.add(status.path("connector"));
        status.path("tasks").forEach(states::add);
        for (JsonNode state : states) {
            if ("FAILED".equals(state.path("state").asText())) {
                throw new IllegalStateException("connector " + name + " failed: " + state.path("trace").asText()
                        + logTail());
            }
        }
    }

    private JsonNode status(String name) {
        HttpResponse<String> response = ConnectRest.send(
                HttpRequest.newBuilder(URI.create(url + "/connectors/" + name + "/status")).GET().build(),
                this::logTail);
        return response.statusCode() == 200 ? ConnectRest.read(response.body()) : null;
    }

    String logTail() {
        return ConnectRest.logTail(log, 40);
    }

    /** Stops the worker (Connect's own shutdown first, then by force) and waits for its end. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

}
