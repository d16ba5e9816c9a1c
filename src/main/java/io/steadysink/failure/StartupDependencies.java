package io.steadysink.failure;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.StartupConfigCheck;
import io.steadysink.sink.SchemaMigration;
import io.steadysink.startup.StartupFailure;
import io.steadysink.startup.StartupWait;
import io.steadysink.startup.StopSignal;

/**
 * Start-up's dependencies, treated like an outage later on: PostgreSQL and the Kafka broker, at the
 * same time (neither needs the other), each waited for while it is not there yet, within one budget
 * ({@code SINK_STARTUP_WAIT_MS}), retried with the backoff of the database writes
 * ({@code SINK_RETRY_BACKOFF_*}, at most {@value #LONGEST_PAUSE_SECONDS} s apart) and said once per
 * interval. Once PostgreSQL answers, the migration runs ({@link SchemaMigration}, in the same wait: a
 * failure it meets is judged the same way, {@link DatabaseAtStartup}); the broker must resolve and
 * answer an admin client ({@link BrokerAtStartup}), on a thread of its own meanwhile. A failure
 * retrying cannot heal ends start-up with its one line: PostgreSQL's at once, the broker's once the
 * migration is done (PostgreSQL's when both fail). A stop request (SIGTERM) ends the wait at once.
 * <p>
 * Runs after the settings are checked and before anything else reaches PostgreSQL or Kafka: the
 * topic-ID guard, the dead-letter limits and the channel find both there.
 */
@ApplicationScoped
public class StartupDependencies {

    static final String BUDGET = "SINK_STARTUP_WAIT_MS";
    static final int LONGEST_PAUSE_SECONDS = 5;

    private static final Logger LOG = Logger.getLogger(StartupDependencies.class);

    void await(@Observes @Priority(SchemaMigration.PRIORITY) StartupEvent event, SinkConfig config, Config all,
            SchemaMigration migration, @Identifier("default-kafka-broker") Instance<Map<String, Object>> kafka)
            throws Exception {
        if (!StartupConfigCheck.consumerEnabled(all)) {
            return; // a one-off command writes no table (and may run without a database configured)
        }
        DatabaseAtStartup database = DatabaseAtStartup.of(all.getOptionalValue("quarkus.datasource.jdbc.url",
                String.class), all.getOptionalValue("quarkus.datasource.username", String.class));
        Map<String, Object> shared = kafka.isResolvable() ? kafka.get() : Map.of();
        try (BrokerAtStartup broker = new BrokerAtStartup(shared,
                () -> KafkaClientSettings.admin(kafka, config.groupId() + "-startup"))) {
            // Independent of each other: the broker is reached while PostgreSQL is migrated, each in
            // its own wait started now, so both end within the one budget.
            StartupWait brokerWait = wait(config);
            FutureTask<Void> brokerReached = new FutureTask<>(() -> {
                brokerWait.await(broker.dependency(), broker::attempt);
                LOG.info("The Kafka broker answered at start-up");
                return null;
            });
            Thread thread = new Thread(brokerReached, "steady-sink-startup-broker");
            thread.setDaemon(true);
            thread.start();
            try {
                wait(config).await(database.dependency(), () -> {
                    try {
                        migration.migrate();
                    } catch (StartupFailure e) {
                        throw e;
                    } catch (Exception e) {
                        throw database.verdict(e, config.table());
                    }
                });
                brokerReached.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } finally {
                brokerReached.cancel(true);
            }
        }
    }

    private static StartupWait wait(SinkConfig config) {
        Duration initial = Duration.ofMillis(config.retryBackoffInitialMs());
        Duration longest = Duration.ofMillis(Math.min(config.retryBackoffMaxMs(), LONGEST_PAUSE_SECONDS * 1000L));
        return StartupWait.of(Duration.ofMillis(config.startupWaitMs()), BUDGET,
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
    }
}
