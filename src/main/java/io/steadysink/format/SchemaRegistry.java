package io.steadysink.format;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The schema registry, through its Confluent-compatible API (Confluent Schema Registry, Apicurio
 * Registry's {@code /apis/ccompat/v7}, Redpanda, Karapace): the schema of an id, parsed once and kept
 * for the life of the process (a registry never changes the schema of an id), so the registry is
 * asked once per schema, not per record. An id the registry does not know is remembered for
 * {@link #UNKNOWN_KEPT} before it is asked again.
 * <p>
 * Failures: no answer, a timeout, 5xx or 429 are {@link RegistryUnavailable} (transient); 404 is an
 * unknown schema (the record is poison); 401 and 403 are {@link AccessDenied} (fatal: the
 * credentials are wrong); any other answer is {@link RegistryUnavailable} too, with its status.
 */
public final class SchemaRegistry {

    /** How long an id the registry did not know is answered from memory. */
    public static final Duration UNKNOWN_KEPT = Duration.ofSeconds(30);

    /** The registry refused the credentials (401) or their rights (403): a person must act. */
    public static final class AccessDenied extends RuntimeException {

        AccessDenied(String message) {
            super(message);
        }
    }

    /** Where a schema is registered: the subject and version a message names it by. */
    public record Version(String subject, int version) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final Optional<String> authorization;
    private final Duration timeout;
    private final HttpClient http;
    private final Map<RecordFormat, SchemaParser> parsers;
    private final LongSupplier nanoTime;
    private final Map<Integer, RegisteredSchema> schemas = new ConcurrentHashMap<>();
    private final Map<Integer, Long> unknownUntil = new ConcurrentHashMap<>();
    private final Map<Integer, String> names = new ConcurrentHashMap<>();

    /**
     * @param url the API's base, e.g. {@code http://registry:8080/apis/ccompat/v7}
     * @param username with {@code password}: HTTP basic authentication
     * @param timeout per request, connecting included
     */
    public SchemaRegistry(URI url, Optional<String> username, Optional<String> password, Duration timeout) {
        this(url, username, password, timeout, defaultParsers(), System::nanoTime);
    }

    SchemaRegistry(URI url, Optional<String> username, Optional<String> password, Duration timeout,
            Map<RecordFormat, SchemaParser> parsers, LongSupplier nanoTime) {
        String text = url.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.authorization = username.map(user -> "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password.orElse("")).getBytes(StandardCharsets.UTF_8)));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.parsers = parsers;
        this.nanoTime = nanoTime;
    }

    /** The parsers of the registered formats. */
    static Map<RecordFormat, SchemaParser> defaultParsers() {
        Map<RecordFormat, SchemaParser> parsers = new EnumMap<>(RecordFormat.class);
        parsers.put(RecordFormat.AVRO, AvroSchema::parse);
        parsers.put(RecordFormat.JSON_SCHEMA, JsonSchemaFormat::parse);
        parsers.put(RecordFormat.PROTOBUF, ProtobufSchema::parse);
        return parsers;
    }

    /** The registry's address as configured, for messages (it holds no credentials). */
    public String url() {
        return base;
    }

    /**
     * The schema of {@code id}, from memory once read.
     *
     * @throws RecordUnreadable the registry has no such schema, or it cannot be parsed
     * @throws RegistryUnavailable the registry did not answer
     */
    public RegisteredSchema schema(int id) throws RecordUnreadable, RegistryUnavailable {
        RegisteredSchema known = schemas.get(id);
        if (known != null) {
            return known;
        }
        Long until = unknownUntil.get(id);
        if (until != null && nanoTime.getAsLong() - until < 0) {
            throw unknown(id);
        }
        JsonNode answer = get("/schemas/ids/" + id, "schema id " + id);
        if (answer == null) {
            unknownUntil.put(id, nanoTime.getAsLong() + UNKNOWN_KEPT.toNanos());
            throw unknown(id);
        }
        unknownUntil.remove(id);
        String type = answer.path("schemaType").asText("");
        RecordFormat format = RecordFormat.ofRegistryType(type).orElseThrow(() -> new RecordUnreadable(
                RecordUnreadable.Reason.SCHEMA_UNREADABLE, "schema id " + id + " at " + base + " is of type " + type
                        + ", which steady-sink does not read"));
        SchemaParser parser = parsers.get(format);
        if (parser == null) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "schema id " + id + " is " + format.configName() + ", which steady-sink does not read yet");
        }
        Map<String, String> references = new LinkedHashMap<>();
        references(answer.path("references"), references, 0);
        RegisteredSchema parsed;
        try {
            parsed = parser.parse(answer.path("schema").asText(), references);
        } catch (RecordUnreadable e) {
            throw new RecordUnreadable(e.reason(), "schema id " + id + ": " + e.getMessage(), e.getCause());
        }
        RegisteredSchema raced = schemas.putIfAbsent(id, parsed);
        return raced == null ? parsed : raced;
    }

    /**
     * How messages name schema {@code id}: {@code subject orders-value version 3 (schema id 7)}, or just
     * {@code schema id 7} when the registry does not say (asked once; never fails).
     */
    public String describe(int id) {
        return names.computeIfAbsent(id, this::lookUpName);
    }

    private String lookUpName(int id) {
        try {
            JsonNode versions = get("/schemas/ids/" + id + "/versions", "the versions of schema id " + id);
            if (versions != null && versions.isArray() && !versions.isEmpty()) {
                JsonNode first = versions.get(0);
                return "subject " + first.path("subject").asText() + " version " + first.path("version").asInt()
                        + " (schema id " + id + ")";
            }
        } catch (RuntimeException e) {
            // named by its id alone
        }
        return "schema id " + id;
    }

    /** Adds the schemas {@code list} refers to (and theirs) to {@code found}, by the names they are referred by. */
    private void references(JsonNode list, Map<String, String> found, int depth)
            throws RegistryUnavailable, RecordUnreadable {
        if (!list.isArray() || list.isEmpty()) {
            return;
        }
        if (depth > 20) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "its references nest more than 20 deep");
        }
        for (JsonNode reference : list) {
            String name = reference.path("name").asText();
            if (found.containsKey(name)) {
                continue;
            }
            String subject = reference.path("subject").asText();
            String version = reference.path("version").asText();
            String what = "subject " + subject + " version " + version + " (referred to as " + name + ")";
            JsonNode answer = get("/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
                    + "/versions/" + URLEncoder.encode(version, StandardCharsets.UTF_8), what);
            if (answer == null) {
                throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                        "the registry has no " + what);
            }
            found.put(name, answer.path("schema").asText());
            references(answer.path("references"), found, depth + 1);
        }
    }

    /** The JSON answer to {@code GET path}, or {@code null} for 404. */
    private JsonNode get(String path, String what) throws RegistryUnavailable {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json");
        authorization.ifPresent(value -> request.header("Authorization", value));
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new RegistryUnavailable("the schema registry at " + base + " did not answer for " + what + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryUnavailable("interrupted while asking the schema registry at " + base, e);
        }
        int status = response.statusCode();
        if (status == 404) {
            return null;
        }
        if (status == 401 || status == 403) {
            throw new AccessDenied("the schema registry at " + base + " refused " + (status == 401
                    ? "the credentials (HTTP 401): check SINK_SCHEMA_REGISTRY_USERNAME and SINK_SCHEMA_REGISTRY_PASSWORD"
                    : "access (HTTP 403): the user may not read schemas"));
        }
        if (status != 200) {
            throw new RegistryUnavailable("the schema registry at " + base + " answered HTTP " + status + " for "
                    + what + body(response.body()), null);
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new RegistryUnavailable("the schema registry at " + base + " answered " + what
                    + " with something that is not JSON", e);
        }
    }

    private static String body(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "…" : text);
    }

    private RecordUnreadable unknown(int id) {
        return new RecordUnreadable(RecordUnreadable.Reason.UNKNOWN_SCHEMA,
                "the schema registry at " + base + " has no schema id " + id);
    }
}
