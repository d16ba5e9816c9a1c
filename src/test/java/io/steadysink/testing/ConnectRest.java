package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Kafka Connect's REST API as the worker JVMs of the tests ({@link DebeziumConnect}) and of the
 * benchmark use it: requests with JSON bodies, every failure naming the worker's log tail.
 */
public final class ConnectRest {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ConnectRest.class);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConnectRest() {
    }

    /** Sends {@code request}; a worker that does not answer is an error ending with {@code logTail}. */
    public static HttpResponse<String> send(HttpRequest request, Supplier<String> logTail) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Kafka Connect did not answer " + request.uri() + logTail.get(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the worker's REST API at {@code url} answers {@code GET /connectors}; a worker that
     * exits first, or does not answer within {@code timeout}, is an error ending with {@code logTail}.
     */
    public static void awaitAnswer(Process process, String url, Duration timeout, Supplier<String> logTail) {
        try {
            awaitOk(process, URI.create(url + "/connectors"), "Kafka Connect", timeout, logTail);
        } catch (IllegalStateException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The last {@code count} lines of the log file {@code log}, for failure messages. */
    public static String logTail(Path log, int count) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "\n--- last lines of " + log + " ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return "\n(no log at " + log + ": " + e + ")";
        }
    }

    /**
     * Waits until {@code probe} answers 200, saying every 5 s that it still waits; a server
     * ({@code name}) that exits first, or does not answer within {@code timeout}, is an error ending
     * with {@code logTail}.
     */
    public static void awaitOk(Process process, URI probe, String name, Duration timeout, Supplier<String> logTail) {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long nextReport = started + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + logTail.get());
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > nextReport) {
                LOG.infof("Waiting for %s to answer %s (%d s)", name, probe,
                        (System.nanoTime() - started) / 1_000_000_000);
                nextReport += Duration.ofSeconds(5).toNanos();
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " did not answer " + probe + " within " + timeout + logTail.get());
    }

    /** A connector's configuration as the JSON body of {@code PUT /connectors/<name>/config}. */
    public static String json(Map<String, String> config) {
        try {
            return JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
