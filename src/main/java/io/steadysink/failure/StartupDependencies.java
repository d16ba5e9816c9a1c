package io.steadysink.failure;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.sink.SchemaMigration;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;
import io.steadysink.startup.StopSignal;

/**
 * Start-up's dependencies, treated like an outage later on: a PostgreSQL that is not there yet is
 * waited for within {@code SINK_STARTUP_WAIT_MS}, retried with the backoff of the database writes
 * ({@code SINK_RETRY_BACKOFF_*}, at most {@value #LONGEST_PAUSE_SECONDS} s apart), and said once per
 * interval; once it answers, the migration runs ({@link SchemaMigration}, in the same wait: a failure
 * it meets is judged the same way). A failure retrying cannot heal ends start-up at once with its
 * one line ({@link DatabaseAtStartup}). A stop request (SIGTERM) ends the wait at once.
 * <p>
 * Runs after the settings are checked and before anything else reaches PostgreSQL or Kafka.
 */
@ApplicationScoped
public class StartupDependencies {

    static final String BUDGET = "SINK_STARTUP_WAIT_MS";
    static final int LONGEST_PAUSE_SECONDS = 5;

    private static final Logger LOG = Logger.getLogger(StartupDependencies.class);

    void await(@Observes @Priority(SchemaMigration.PRIORITY) StartupEvent event, SinkConfig config, Config all,
            SchemaMigration migration) throws Exception {
        if (!StartupConfigCheck.consumerEnabled(all)) {
            return; // a one-off command writes no table (and may run without a database configured)
        }
        Duration initial = Duration.ofMillis(config.retryBackoffInitialMs());
        Duration longest = Duration.ofMillis(Math.min(config.retryBackoffMaxMs(), LONGEST_PAUSE_SECONDS * 1000L));
        StartupWait wait = StartupWait.of(Duration.ofMillis(config.startupWaitMs()), BUDGET,
                retry -> Backoff.delay(retry, initial, longest), StopSignal.process(), new StartupWait.Report() {
                    @Override
                    public void waiting(String line) {
                        LOG.warn(line);
                    }

                    @Override
                    public void answered(String line) {
                        LOG.info(line);
                    }
                });

        DatabaseAtStartup database = DatabaseAtStartup.of(all.getOptionalValue("quarkus.datasource.jdbc.url",
                String.class), all.getOptionalValue("quarkus.datasource.username", String.class));
        wait.await(database.dependency(), () -> {
            try {
                migration.migrate();
            } catch (StartupFailure e) {
                throw e;
            } catch (Exception e) {
                throw database.verdict(e, config.table());
            }
        });
    }
}
