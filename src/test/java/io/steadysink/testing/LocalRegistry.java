package io.steadysink.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A real schema registry: Apicurio Registry's server (unpacked by the build into
 * {@code target/apicurio-registry}) as a JVM of its own, with in-memory storage, started once per
 * JVM on first use on free loopback ports and shared by every test and the programs. Its
 * Confluent-compatible API at {@link #url()} is what steady-sink is given as its registry URL;
 * schema ids there are Apicurio's content ids, so the id a registration returns is the id
 * {@code GET /schemas/ids/{id}} serves.
 * <p>
 * Apicurio needs Java 21 or newer: the JDK home in {@value #JAVA_VARIABLE}, else this JVM if it is
 * new enough, else the newest such JDK under {@code /usr/lib/jvm}. Its log is
 * {@code target/apicurio-registry/registry.log}. It ends with this JVM: a shutdown hook stops it,
 * and it halts by itself when its standard input closes (this JVM died without running hooks).
 * <p>
 * An outage: point the application at {@link #url(int) url(gate.port())} of a {@link #gate()} and
 * close the gate.
 */
public final class LocalRegistry {

    /** The environment variable naming the home of a Java 21+ JDK to run the registry with. */
    public static final String JAVA_VARIABLE = "STEADY_SINK_REGISTRY_JAVA";

    /** Schema types of the registration API (Confluent's {@code schemaType}). */
    public static final String AVRO = "AVRO";
    public static final String PROTOBUF = "PROTOBUF";
    public static final String JSON = "JSON";

    /** How long the registry may take to answer its API after its JVM started. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    /** The path of the Confluent-compatible API on the registry's HTTP port. */
    public static final String API_PATH = "/apis/ccompat/v7";

    private static final int MINIMUM_JAVA = 21;
    private static final String SHARED_PORT = "steady-sink.test.registry.port";
    private static final Path HOME = Path.of(System.getProperty("steady-sink.registry.home",
            Path.of("target", "apicurio-registry").toString()));
    private static final Path LOG = HOME.resolve("registry.log");
    private static final String ENTRY_POINT = "io.quarkus.bootstrap.runner.QuarkusEntryPoint";
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOGGER = Logger.getLogger(LocalRegistry.class);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private LocalRegistry() {
    }

    /** A schema another one imports: its import {@code name}, and the subject and version registered under. */
    public record Reference(String name, String subject, int version) {
    }

    /** An answer of the API: its HTTP status and JSON body ({@code null} when it had none). */
    public record Answer(int status, JsonNode body) {
    }

    /** The registry refused a request: its HTTP status and body. */
    public static final class RegistryException extends RuntimeException {

        private final int status;
        private final String body;

        RegistryException(String request, int status, String body) {
            super(request + " answered HTTP " + status + ": " + body);
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }

    /** Starts the registry on first use; returns its HTTP port. */
    public static int port() {
        return Integer.parseInt(OncePerJvm.value(SHARED_PORT, LocalRegistry::start));
    }

    /** The base URL of the Confluent-compatible API, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public static String url() {
        return url(port());
    }

    /** The base URL of the Confluent-compatible API as reached through a local {@code port} (a {@link #gate()}'s). */
    public static String url(int port) {
        return "http://127.0.0.1:" + port + API_PATH;
    }

    /** A closed {@link TcpGate} to the registry: open it, and give the application {@link #url(int) url(gate.port())}. */
    public static TcpGate gate() {
        return TcpGate.to("127.0.0.1", port());
    }

    /** {@link #register(String, String, String, List)} without references. */
    public static int register(String subject, String schemaType, String schema) {
        return register(subject, schemaType, schema, List.of());
    }

    /**
     * Registers {@code schema} of {@code schemaType} ({@link #AVRO}, {@link #PROTOBUF}, {@link #JSON})
     * under {@code subject} as its next version (or finds it registered) and returns its schema id.
     * A refusal (409: incompatible with the subject's compatibility level; 422: not a valid schema)
     * throws a {@link RegistryException}.
     */
    public static int register(String subject, String schemaType, String schema, List<Reference> references) {
        ObjectNode body = MAPPER.createObjectNode();
        body.put("schemaType", schemaType);
        body.put("schema", schema);
        ArrayNode imports = body.putArray("references");
        for (Reference reference : references) {
            imports.addObject()
                    .put("name", reference.name())
                    .put("subject", reference.subject())
                    .put("version", reference.version());
        }
        return required("POST", "/subjects/" + subject + "/versions", body).path("id").asInt();
    }

    /** Sets {@code subject}'s compatibility level ({@code BACKWARD}, {@code FORWARD}, {@code FULL}, {@code NONE}, ...). */
    public static void setCompatibility(String subject, String level) {
        ObjectNode body = MAPPER.createObjectNode().put("compatibility", level);
        required("PUT", "/config/" + subject, body);
    }

    /** The newest version number registered under {@code subject}. */
    public static int latestVersion(String subject) {
        return required("GET", "/subjects/" + subject + "/versions/latest", null).path("version").asInt();
    }

    /** The schema with id {@code id}: its {@code schema} text and, unless Avro, its {@code schemaType}. */
    public static JsonNode schema(int id) {
        return required("GET", "/schemas/ids/" + id, null);
    }

    /** {@code GET} of {@code path} under {@link #url()}, whatever it answers. */
    public static Answer get(String path) {
        return send("GET", path, null);
    }

    /**
     * {@code method} on {@code path} under {@link #url()} with {@code body} (none when {@code null}),
     * whatever it answers.
     */
    public static Answer send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Accept", CONTENT_TYPE);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            return new Answer(response.statusCode(), text == null || text.isBlank() ? null : MAPPER.readTree(text));
        } catch (IOException e) {
            throw new UncheckedIOException("The schema registry did not answer " + method + " " + path + logTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of the registry's log, for failure messages. */
    public static String logTail() {
        return ConnectRest.logTail(LOG, 40);
    }

    private static JsonNode required(String method, String path, JsonNode body) {
        Answer answer = send(method, path, body);
        if (answer.status() / 100 != 2) {
            throw new RegistryException(method + " " + path, answer.status(), String.valueOf(answer.body()));
        }
        return answer.body();
    }

    private static String start() {
        Path runner = HOME.resolve("quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(runner)) {
            throw new IllegalStateException("No schema registry at " + HOME.toAbsolutePath()
                    + ": the build unpacks it there (./mvnw generate-test-resources)");
        }
        Path java = java();
        int port = SteadySinkProcess.freePort();
        int managementPort = SteadySinkProcess.freePort();
        long started = System.nanoTime();
        Process process;
        try {
            List<String> command = new ArrayList<>(List.of(java.toString(),
                    "-Xmx256m",
                    // C1 alone: a server of a few requests starts in two thirds of the time, on half the CPU.
                    "-XX:TieredStopAtLevel=1",
                    // What quarkus-run.jar's manifest asks for, as it is not started with -jar here.
                    "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                    "--enable-native-access=ALL-UNNAMED",
                    "-cp", watchdogClassPath() + File.pathSeparator + runner,
                    ParentWatchdog.class.getName(), ENTRY_POINT));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(HOME.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(LOG.toFile());
            builder.environment().keySet()
                    .removeIf(key -> key.startsWith("QUARKUS_") || key.startsWith("APICURIO_"));
            builder.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
            builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            // Health and metrics are served on a second port: a free one, so that several registries can run.
            builder.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
            builder.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
            // Apicurio's default, stated: ccompat schema ids are content ids (one id for one schema text).
            builder.environment().put("APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED", "false");
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the schema registry with " + java, e);
        }
        Process running = process;
        OncePerJvm.closeAtExit("local-registry-stop", () -> stop(running));
        LOGGER.infof("Starting the schema registry (Apicurio Registry, %s) on port %d; log: %s", java, port, LOG);
        URI probe = URI.create(url(port) + "/subjects");
        try {
            ConnectRest.awaitOk(process, probe, "the schema registry", START_TIMEOUT, LocalRegistry::logTail);
        } catch (IllegalStateException e) {
            stop(process);
            throw e;
        }
        LOGGER.infof("Schema registry ready at %s in %d ms", url(port), (System.nanoTime() - started) / 1_000_000);
        return Integer.toString(port);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The java launcher of a JDK 21 or newer: {@value #JAVA_VARIABLE}'s, this JVM's, or the newest
     * under {@code /usr/lib/jvm}.
     */
    static Path java() {
        String configured = System.getenv(JAVA_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            Path home = Path.of(configured);
            Path launcher = launcher(home);
            int version = javaVersion(home).orElse(0);
            if (!Files.isExecutable(launcher) || version < MINIMUM_JAVA) {
                throw new IllegalStateException(JAVA_VARIABLE + "=" + configured + " is not the home of a JDK "
                        + MINIMUM_JAVA + " or newer (found " + (version == 0 ? "no release file" : "Java " + version)
                        + "): the schema registry of the tests needs one");
            }
            return launcher;
        }
        if (Runtime.version().feature() >= MINIMUM_JAVA) {
            return launcher(Path.of(System.getProperty("java.home")));
        }
        Path installed = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(installed)) {
            try (Stream<Path> homes = Files.list(installed)) {
                Optional<Path> newest = homes
                        .filter(home -> javaVersion(home).orElse(0) >= MINIMUM_JAVA)
                        .filter(home -> Files.isExecutable(launcher(home)))
                        .max(Comparator.comparingInt((Path home) -> javaVersion(home).orElse(0))
                                .thenComparing(Path::toString));
                if (newest.isPresent()) {
                    return launcher(newest.get());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not list " + installed, e);
            }
        }
        throw new IllegalStateException("The schema registry of the tests (Apicurio Registry) needs Java "
                + MINIMUM_JAVA + " or newer, and this JVM is Java " + Runtime.version().feature()
                + " with none under /usr/lib/jvm: install a JDK " + MINIMUM_JAVA
                + "+ (e.g. Temurin 25) there, or set " + JAVA_VARIABLE + " to its home");
    }

    private static Path launcher(Path home) {
        return home.resolve("bin").resolve("java");
    }

    /** The feature version in {@code home/release} ({@code JAVA_VERSION="25.0.3"} is 25), if any. */
    private static Optional<Integer> javaVersion(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(release)) {
            properties.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        String version = properties.getProperty("JAVA_VERSION", "").replace("\"", "");
        String feature = version.startsWith("1.") ? version.substring(2) : version;
        try {
            return Optional.of(Integer.parseInt(feature.split("[.+-]")[0]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * A folder holding only {@link ParentWatchdog}'s class: the registry's class path must not carry
     * this project's test classes and resources (an {@code application.properties} there would
     * configure it).
     */
    private static Path watchdogClassPath() throws IOException {
        Path folder = HOME.resolve("watchdog");
        String file = ParentWatchdog.class.getName().replace('.', '/') + ".class";
        Path target = folder.resolve(file);
        Files.createDirectories(target.getParent());
        try (InputStream in = ParentWatchdog.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("No class file " + file + " on the class path");
            }
            Files.write(target, in.readAllBytes());
        }
        return folder.toAbsolutePath();
    }
}
