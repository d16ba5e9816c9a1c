package io.steadysink.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.steadysink.startup.ExitCode;
import io.steadysink.startup.StartupFailure;

/**
 * Runs the {@link ConfigDoctor} before anything connects: observes start-up ahead of schema
 * migration and of the messaging extension (which connects the channels at
 * {@code LIBRARY_BEFORE}), so a bad setting never reaches Kafka or PostgreSQL. Every error found ends
 * start-up with one line ({@link ExitCode#SETTINGS_REFUSED}); warnings are logged.
 */
@ApplicationScoped
public class StartupConfigCheck {

    /** Runs first among start-up observers; {@code SchemaMigration} follows. */
    public static final int PRIORITY = Interceptor.Priority.PLATFORM_BEFORE;

    private static final Logger LOG = Logger.getLogger(StartupConfigCheck.class);
    private static final String MAX_POLL_INTERVAL = "max.poll.interval.ms";
    private static final String CHANNEL_PREFIX = "mp.messaging.incoming." + Channels.EVENTS + ".";

    private volatile Duration maxPollInterval = Duration.ofMillis(ConfigDoctor.clientDefault(MAX_POLL_INTERVAL));

    private volatile Duration drainTimeout = Duration.ofMillis(ConfigDoctor.DEFAULT_DRAIN_TIMEOUT_MS);

    /** The consumer's {@code max.poll.interval.ms} as the connector will apply it. */
    public Duration maxPollInterval() {
        return maxPollInterval;
    }

    /** The drain budget in effect ({@code SINK_DRAIN_TIMEOUT_MS} or derived from the poll interval). */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    void check(@Observes @Priority(PRIORITY) StartupEvent event, SinkConfig config, Config all,
            @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafkaDefaults) {
        if (!consumerEnabled(all)) {
            return; // a one-off command: no consumer to protect
        }
        Map<String, String> consumer = consumerProperties(all, kafkaDefaults);
        try {
            String interval = consumer.get(MAX_POLL_INTERVAL);
            if (interval != null) {
                maxPollInterval = Duration.ofMillis(Long.parseLong(interval.trim()));
            }
        } catch (NumberFormatException e) {
            // the doctor reports it below
        }
        drainTimeout = Duration.ofMillis(ConfigDoctor.drainTimeoutMs(config, maxPollInterval.toMillis()));
        List<ConfigDoctor.Finding> findings = ConfigDoctor.examine(config, consumer,
                all.getValue("quarkus.datasource.jdbc.max-size", Integer.class), Runtime.getRuntime().maxMemory());
        findings.stream().filter(f -> f.severity() == ConfigDoctor.Severity.WARNING)
                .forEach(f -> LOG.warn(f.message()));
        Optional<String> routeFile = all.getOptionalValue(RouteFileSource.PROBLEM, String.class);
        if (ConfigDoctor.hasErrors(findings) || routeFile.isPresent()) {
            List<String> errors = new ArrayList<>();
            routeFile.ifPresent(errors::add);
            findings.stream().filter(f -> f.severity() == ConfigDoctor.Severity.ERROR)
                    .map(ConfigDoctor.Finding::message).forEach(errors::add);
            throw new StartupFailure(ExitCode.SETTINGS_REFUSED,
                    StartupFailure.CANNOT_START + String.join("; ", errors));
        }
        String into = (config.hasDefaultRoute()
                ? "into table " + config.table() + " in " + config.parsedMode().configName() + " mode"
                : "")
                + (config.routes().isEmpty()
                        ? ""
                        : (config.hasDefaultRoute() ? " and " : "through ") + config.routes().size()
                                + " route(s) of " + config.routesFile().orElse("SINK_ROUTES_FILE"));
        LOG.infof("Consuming %s as group %s (auto.offset.reset=%s) %s with %d workers", config.subscribedTopics(),
                config.groupId(), config.autoOffsetReset().orElseThrow(), into, config.workers());
        LOG.infof("Heap for records in flight at worst: %s",
                ConfigDoctor.memoryBudget(config, consumer, Runtime.getRuntime().maxMemory()).describe());
    }

    /** Whether this run consumes (the service) or is a one-off command with the channel disabled. */
    public static boolean consumerEnabled(Config all) {
        return all.getOptionalValue(Channels.ENABLED_PROPERTY, Boolean.class).orElse(true);
    }

    /**
     * The channel's Kafka properties as the connector merges them: the global {@code kafka.*} and
     * {@code KAFKA_*} settings, overridden by {@code mp.messaging.incoming.events.*}.
     */
    private static Map<String, String> consumerProperties(Config all, Instance<Map<String, Object>> kafkaDefaults) {
        Map<String, String> properties = new HashMap<>();
        if (kafkaDefaults.isResolvable()) {
            kafkaDefaults.get().forEach((key, value) -> properties.put(key, String.valueOf(value)));
        }
        for (String name : all.getPropertyNames()) {
            if (name.startsWith(CHANNEL_PREFIX)) {
                try {
                    all.getOptionalValue(name, String.class)
                            .ifPresent(value -> properties.put(name.substring(CHANNEL_PREFIX.length()), value));
                } catch (NoSuchElementException e) {
                    // an expression over a missing SINK_* setting: reported by the doctor itself
                }
            }
        }
        return properties;
    }
}
