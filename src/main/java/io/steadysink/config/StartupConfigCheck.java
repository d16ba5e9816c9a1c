package io.steadysink.config;

import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * Refuses to start with unusable settings. Observes start-up before schema migration and before
 * the messaging extension connects the channels, so a bad setting never reaches Kafka.
 */
@ApplicationScoped
public class StartupConfigCheck {

    /** Runs first among start-up observers; {@code SchemaMigration} follows. */
    public static final int PRIORITY = Interceptor.Priority.PLATFORM_BEFORE;

    private static final Logger LOG = Logger.getLogger(StartupConfigCheck.class);

    void check(@Observes @Priority(PRIORITY) StartupEvent event, SinkConfig config) {
        List<String> problems = SinkSettings.problems(config);
        if (!problems.isEmpty()) {
            problems.forEach(LOG::error);
            throw new ConfigurationException("steady-sink cannot start: " + String.join("; ", problems));
        }
        LOG.infof("Consuming %s as group %s (auto.offset.reset=%s) into table %s in %s mode with %d workers",
                config.topics().orElseThrow(), config.groupId(), config.autoOffsetReset().orElseThrow(),
                config.table(), config.mode(), config.workers());
    }
}
