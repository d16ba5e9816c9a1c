package io.steadysink.sink;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;

/**
 * Creates or migrates the sink table with Flyway, after the settings are validated and before the
 * consumer joins its group: no record is taken before its table exists. The mode picks the scripts
 * ({@code append_V*} or {@code upsert_V*}); the table name is a Flyway placeholder.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);

    void migrate(@Observes @Priority(StartupConfigCheck.PRIORITY + 1) StartupEvent event, Flyway flyway,
            SinkConfig config) {
        MigrateResult result = flyway.migrate();
        LOG.infof("Table %s (%s mode) is at schema version %s; %d migration(s) applied", config.table(),
                config.mode(),
                result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                result.migrationsExecuted);
    }
}
