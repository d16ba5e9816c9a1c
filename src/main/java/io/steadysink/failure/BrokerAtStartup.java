package io.steadysink.failure;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;

/**
 * The Kafka broker as start-up meets it, before any consumer or producer is created: each attempt
 * resolves the bootstrap addresses ({@code KAFKA_BOOTSTRAP_SERVERS}; the Kafka clients would fail at
 * once when none resolves, while a Service name may appear late) and asks the cluster for its nodes
 * with an admin client built from the shared settings, so SASL and TLS apply. No answer is waited
 * out; a login or access the broker refuses ends start-up ({@link ExitCode#ACCESS_REFUSED}, naming
 * the SASL user, never the password); settings the Kafka client refuses are
 * {@link ExitCode#SETTINGS_REFUSED}.
 */
final class BrokerAtStartup implements AutoCloseable {

    static final String VARIABLE = "KAFKA_BOOTSTRAP_SERVERS";
    /** How long one attempt waits for the cluster's answer. */
    static final Duration ANSWER = Duration.ofSeconds(5);

    private static final Pattern USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private final Map<String, Object> settings;
    private final Supplier<Admin> adminFactory;
    private final String name;
    private Admin admin;

    /**
     * @param settings the shared Kafka settings ({@code KAFKA_*}), to name the broker and the user
     * @param adminFactory builds the admin client the attempts share
     */
    BrokerAtStartup(Map<String, Object> settings, Supplier<Admin> adminFactory) {
        this.settings = settings;
        this.adminFactory = adminFactory;
        this.name = "the Kafka broker at " + String.join(",", bootstrapServers());
    }

    StartupWait.Dependency dependency() {
        return new StartupWait.Dependency(name, VARIABLE, "start the broker or correct " + VARIABLE);
    }

    /** One attempt: the addresses resolve and the cluster answers with its nodes. */
    void attempt() throws Exception {
        List<String> unresolved = new ArrayList<>();
        boolean resolved = false;
        for (String server : bootstrapServers()) {
            String host = host(server);
            try {
                InetAddress.getAllByName(host);
                resolved = true;
            } catch (UnknownHostException e) {
                unresolved.add(host);
            }
        }
        if (!resolved) {
            throw new StartupWait.Unavailable("no bootstrap address resolves: " + String.join(", ", unresolved));
        }
        if (admin == null) {
            try {
                admin = adminFactory.get();
            } catch (KafkaException e) {
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                throw StartupFailure.cannotStart(ExitCode.SETTINGS_REFUSED, "the Kafka client refuses its settings ("
                        + root.getMessage() + "): check the KAFKA_* variables");
            }
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) ANSWER.toMillis())).nodes()
                    .get(ANSWER.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw verdict(e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            throw new StartupWait.Unavailable("no broker answered within " + ANSWER.toSeconds() + " s");
        }
    }

    /**
     * What a failure of the admin client's call means at start-up: {@link StartupWait.Unavailable} when
     * it heals by itself ({@link FailureClass#TRANSIENT}), a refusal for authentication and
     * authorization, {@code failure} itself otherwise (unexpected).
     */
    Exception verdict(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SslAuthenticationException) {
                return refused(name + " refused the TLS handshake (" + cause.getMessage() + "): check "
                        + "KAFKA_SECURITY_PROTOCOL and KAFKA_SSL_TRUSTSTORE_* (and KAFKA_SSL_KEYSTORE_* for mutual TLS)");
            }
            if (cause instanceof AuthenticationException) {
                return refused(name + " refused the " + mechanism() + " login of user " + user() + " ("
                        + cause.getMessage() + "): check the user and password in KAFKA_SASL_JAAS_CONFIG and "
                        + "KAFKA_SASL_MECHANISM");
            }
            if (cause instanceof AuthorizationException) {
                return refused(name + " refused user " + user() + " access (" + cause.getMessage() + "): grant the "
                        + "principal DESCRIBE on the cluster, READ on the topics and group and WRITE on the "
                        + "dead-letter topic");
            }
        }
        if (failure instanceof org.apache.kafka.common.errors.TimeoutException) {
            return new StartupWait.Unavailable("no broker answered within " + ANSWER.toSeconds() + " s");
        }
        if (FailureClass.of(failure) == FailureClass.TRANSIENT) {
            return new StartupWait.Unavailable(failure.getClass().getSimpleName() + ": " + failure.getMessage());
        }
        return failure instanceof Exception exception ? exception : new IllegalStateException(failure);
    }

    /** Closes the admin client without waiting for calls in flight. */
    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }

    private static StartupFailure refused(String line) {
        return StartupFailure.cannotStart(ExitCode.ACCESS_REFUSED, line);
    }

    private List<String> bootstrapServers() {
        Object value = settings.getOrDefault("bootstrap.servers", "localhost:9092");
        Collection<?> servers = value instanceof Collection<?> list ? list : Arrays.asList(value.toString().split(","));
        return servers.stream().map(server -> server.toString().trim()).filter(server -> !server.isEmpty()).toList();
    }

    /** The host of {@code host:port} or {@code [v6]:port}. */
    private static String host(String server) {
        String address = server.contains("://") ? server.substring(server.indexOf("://") + 3) : server;
        int colon = address.lastIndexOf(':');
        String host = colon > 0 ? address.substring(0, colon) : address;
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private String mechanism() {
        Object mechanism = settings.get("sasl.mechanism");
        return mechanism == null ? "SASL" : "SASL/" + mechanism;
    }

    /** The user named in {@code sasl.jaas.config}; the password next to it is never read. */
    private String user() {
        Object jaas = settings.get("sasl.jaas.config");
        Matcher matcher = USERNAME.matcher(jaas == null ? "" : jaas.toString());
        return matcher.find() ? matcher.group(1) : "(none named in KAFKA_SASL_JAAS_CONFIG)";
    }
}
