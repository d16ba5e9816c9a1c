package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}) as a separate JVM, started
 * with nothing but environment variables, as an operator would run it.
 */
public final class SteadySinkProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final Path errors;
    private final int httpPort;

    private SteadySinkProcess(String name, Process process, Path log, Path errors, int httpPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.errors = errors;
        this.httpPort = httpPort;
    }

    /** The runnable jar, from the build ({@code steady-sink.runner}) or the default build path. */
    public static Path runner() {
        Path runner = Path.of(System.getProperty("steady-sink.runner", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(runner)) {
            throw new IllegalStateException(runner + " does not exist: build it with ./mvnw package");
        }
        return runner;
    }

    /** Environment pointing the application at the shared local broker and database. */
    public static Map<String, String> localInfrastructure(int httpPort) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", LocalKafka.bootstrapServers());
        env.put("QUARKUS_DATASOURCE_JDBC_URL", LocalPostgres.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", LocalPostgres.USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", LocalPostgres.PASSWORD);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        return env;
    }

    /**
     * Environment for an append-mode instance on a free HTTP port, consuming {@code topic} from the
     * earliest offset as {@code group} into {@code table}; callers may add to it.
     */
    public static Map<String, String> appendSink(String topic, String group, String table) {
        Map<String, String> env = localInfrastructure(freePort());
        env.put("SINK_TOPICS", topic);
        env.put("SINK_GROUP_ID", group);
        env.put("SINK_TABLE", table);
        env.put("SINK_AUTO_OFFSET_RESET", "earliest");
        return env;
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the application with exactly {@code env} as its steady-sink settings (inherited
     * {@code SINK_*}, {@code KAFKA_*} and {@code QUARKUS_*} variables are dropped). Standard output
     * (the log) goes to {@code target/app-logs/<name>.log} and standard error to
     * {@code target/app-logs/<name>.err}, or both to this process's console when {@code console} is set.
     */
    public static SteadySinkProcess start(String name, Map<String, String> env, boolean console) {
        return start(name, env, console, List.of());
    }

    /** Like {@link #start(String, Map, boolean)}, with command-line arguments for the application. */
    public static SteadySinkProcess start(String name, Map<String, String> env, boolean console,
            List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(runner().toString());
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(key -> key.startsWith("SINK_") || key.startsWith("KAFKA_")
                || key.startsWith("QUARKUS_"));
        builder.environment().putAll(env);
        int port = Integer.parseInt(env.getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        try {
            Path log = Path.of("target", "app-logs", name + ".log");
            Path errors = Path.of("target", "app-logs", name + ".err");
            Files.createDirectories(log.getParent());
            Files.deleteIfExists(errors);
            if (console) {
                builder.inheritIO();
            } else {
                builder.redirectOutput(log.toFile()).redirectError(errors.toFile());
            }
            Process process = builder.start();
            // A failed test must not leave an instance running after its JVM (and broker) is gone.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-" + name));
            return new SteadySinkProcess(name, process, log, errors, port);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start " + name, e);
        }
    }

    /** Waits until {@code /q/health/started} answers 200; fails early if the process exits. */
    public SteadySinkProcess awaitStarted(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + output());
            }
            if (httpStatus("/q/health/started") == 200) {
                return this;
            }
            sleep(200);
        }
        throw new IllegalStateException(name + " did not start within " + timeout + ":\n" + output());
    }

    /** HTTP status of {@code path} on this instance, or -1 when it does not answer. */
    public int httpStatus(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public String httpGet(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still running after " + timeout + ":\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends SIGKILL: no shutdown hook, no final commit, as in a node failure. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Sends SIGTERM, as Kubernetes does, and waits for the exit code. */
    public int stop() {
        process.destroy();
        return awaitExit(Duration.ofSeconds(60));
    }

    /** Sends SIGTERM and waits for the exit; returns the exit code and how long the exit took. */
    public Stopped stopTimed() {
        long signalled = System.nanoTime();
        int exit = stop();
        return new Stopped(exit, Duration.ofNanos(System.nanoTime() - signalled));
    }

    /** How a process ended after SIGTERM: its exit code, and the time from the signal to the exit. */
    public record Stopped(int exitCode, Duration afterSignal) {
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public int httpPort() {
        return httpPort;
    }

    /** The operating system's id of the process. */
    public long pid() {
        return process.pid();
    }

    /** Peak resident memory of the process so far (VmHWM), in bytes; -1 where /proc is unavailable. */
    public long peakResidentBytes() {
        return peakResidentBytes(process.pid());
    }

    /** Peak resident memory of any process so far (VmHWM), in bytes; -1 where /proc is unavailable. */
    public static long peakResidentBytes(long pid) {
        return statusBytes(pid, "VmHWM:");
    }

    /**
     * A memory figure of {@code /proc/<pid>/status} ({@code VmHWM:}, {@code VmRSS:}, ...), in bytes;
     * -1 where /proc is unavailable or the process is gone.
     */
    public static long statusBytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /**
     * Everything the process printed so far, its log then its standard error (empty for a console
     * process).
     */
    public String output() {
        return read(log) + read(errors);
    }

    /** What the process printed on standard error so far (empty for a console process). */
    public String errors() {
        return read(errors);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                .timeout(Duration.ofSeconds(5))
                .build();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
