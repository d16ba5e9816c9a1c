package io.steadysink;

import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.steadysink.config.Channels;
import io.steadysink.config.FailureStrategy;
import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.SinkMode;
import io.steadysink.config.SinkSettings;
import io.steadysink.config.TableName;
import io.steadysink.config.TablePattern;
import io.steadysink.consumer.InFlightBatches;
import io.steadysink.consumer.Ticker;
import io.steadysink.failure.DatabaseRetry;
import io.steadysink.failure.IsolatingWriter;
import io.steadysink.failure.PoisonRecordHandler;
import io.steadysink.failure.RejectionBreaker;
import io.steadysink.format.SchemaRegistry;
import io.steadysink.format.WireFormat;
import io.steadysink.health.ConsumerMonitor;
import io.steadysink.metrics.SinkMetrics;
import io.steadysink.sink.BatchWriter;
import io.steadysink.sink.InvalidRecordException;
import io.steadysink.sink.PostgresSink;
import io.steadysink.sink.RecordCheck;
import io.steadysink.sink.RecordValidator;
import io.steadysink.sink.RouteTables;
import io.steadysink.sink.RoutedWriter;

/**
 * The composition root: every bean that is not a CDI class of its own is built here, so that the
 * sink and failure classes stay plain Java, constructed with their settings and collaborators, and
 * need no Quarkus. Channel and worker-pool names are in {@link Channels}, next to this class.
 * <p>
 * Every producer reads configuration that {@code StartupConfigCheck} has already validated, so the
 * mode parses and the numbers are in range.
 */
@ApplicationScoped
public class SteadySinkWiring {

    /**
     * The monotonic clock every duration is measured with: the JVM's own. {@code PollObserver},
     * which Kafka creates, reads the same one.
     */
    @Produces
    Ticker ticker() {
        return Ticker.SYSTEM;
    }

    /** The wall clock, for comparing with record timestamps (epoch milliseconds). */
    @Produces
    InstantSource wallClock() {
        return InstantSource.system();
    }

    /**
     * Every steady-sink meter ({@link SinkMetrics}). The series it can know at start-up start at 0:
     * records written per consumed topic, records dead-lettered per topic and rule a record can
     * break (with the configured failure strategy), records skipped in the configured mode.
     */
    @Produces
    @ApplicationScoped
    SinkMetrics sinkMetrics(MeterRegistry registry, SinkConfig config) {
        List<String> poisonReasons = Arrays.stream(InvalidRecordException.Defect.values())
                .map(InvalidRecordException.Defect::tag).toList();
        String mode = SinkMode.parse(config.mode()).map(SinkMode::configName).orElse(config.mode());
        // a route whose table is a pattern has series per table its topics map to
        List<SinkMetrics.RouteSeries> routes = new TreeMap<>(config.routes()).entrySet().stream()
                .flatMap(route -> TablePattern.tables(route.getValue().table(), route.getValue().topics()).entrySet()
                        .stream().map(table -> new SinkMetrics.RouteSeries(route.getKey(), table.getKey(),
                                table.getValue(),
                                RouteSpec.CHANGE_EVENTS.equalsIgnoreCase(route.getValue().mode().trim()))))
                .toList();
        return new SinkMetrics(registry, new SinkMetrics.StartupSeries(config.subscribedTopics(),
                poisonReasons, config.failureStrategy(), mode, routes));
    }

    /**
     * The sink writing batches in the configured mode to the configured table. The datasource is
     * looked up when the sink is first used, not when it is built: a one-off command runs without a
     * datasource configured. After each commit it hands the replication lag of the change events it
     * wrote, by the wall clock, and the times of its statements and commit to the metrics.
     */
    @Produces
    @ApplicationScoped
    PostgresSink postgresSink(Instance<AgroalDataSource> dataSource, SinkConfig config, RouteTables routes,
            RoutedWriter routed, InstantSource wallClock, SinkMetrics metrics) {
        return new PostgresSink(dataSource.get(), routes.isEmpty() ? fixedShape(config) : routed,
                Duration.ofMillis(config.statementTimeoutMs()), wallClock, metrics::replicationLag,
                metrics::transactionCommitted);
    }

    /** The routes of the route file ({@code SINK_ROUTES_FILE}), bound to their tables at start-up. */
    @Produces
    @Singleton
    RouteTables routeTables(SinkConfig config) {
        return new RouteTables(SinkSettings.routes(config), config.routesAlterTables());
    }

    /**
     * With a route file: the writer and record check that send each record to the fixed-shape table
     * (its topic in {@code SINK_TOPICS}) and to every route taking its topic, in one transaction.
     */
    @Produces
    @Singleton
    RoutedWriter routedWriter(SinkConfig config, RouteTables routes) {
        return new RoutedWriter(Set.copyOf(config.topics().orElse(List.of())),
                config.hasDefaultRoute() ? Optional.of(fixedShape(config)) : Optional.empty(), fixedCheck(config),
                routes, wireFormat(config));
    }

    /** The schema registry ({@code SINK_SCHEMA_REGISTRY_URL}), for routes reading avro, protobuf or json-schema. */
    private static Optional<WireFormat> wireFormat(SinkConfig config) {
        return config.schemaRegistryUrl().map(String::trim).filter(url -> !url.isEmpty())
                .map(url -> new WireFormat(new SchemaRegistry(URI.create(url), config.schemaRegistryUsername(),
                        config.schemaRegistryPassword(), Duration.ofMillis(config.schemaRegistryTimeoutMs()))));
    }

    private static BatchWriter fixedShape(SinkConfig config) {
        return BatchWriter.forMode(config.parsedMode(), TableName.of(config.table()));
    }

    private static RecordValidator fixedCheck(SinkConfig config) {
        return new RecordValidator(config.parsedMode(), config.maxRecordBytes());
    }

    /**
     * In-place retry of database writes. Its attempts are reported where they matter: each retry is
     * counted and, like each answer, marks the worker's batch as making progress (so a batch waiting
     * out an outage is not taken for a stalled one); answers, missing answers, statement timeouts and
     * writes waiting for their table to change feed the consumer monitor, which the health checks read.
     */
    @Produces
    @ApplicationScoped
    DatabaseRetry databaseRetry(SinkConfig config, SinkMetrics metrics, ConsumerMonitor monitor,
            InFlightBatches inFlight) {
        return new DatabaseRetry(Duration.ofMillis(config.retryBackoffInitialMs()),
                Duration.ofMillis(config.retryBackoffMaxMs()), new DatabaseRetry.Attempts() {
                    @Override
                    public void retrying() {
                        metrics.databaseRetry();
                        inFlight.progress();
                    }

                    @Override
                    public void answered() {
                        monitor.downstreamAnswered();
                        inFlight.progress();
                    }

                    @Override
                    public void unanswered() {
                        monitor.downstreamFailed();
                    }

                    @Override
                    public void timedOut(Object write, String description) {
                        metrics.statementTimeout();
                        monitor.statementTimedOut(write, description);
                    }

                    @Override
                    public void timeoutsEnded(Object write) {
                        monitor.statementTimeoutsEnded(write);
                    }

                    @Override
                    public void waitingForTable(Object write, String reason) {
                        monitor.waitingForTable(write, reason);
                    }

                    @Override
                    public void tableWaitEnded(Object write) {
                        monitor.tableWaitEnded(write);
                    }
                });
    }

    /**
     * The writer that isolates poison records by bisection. It checks records with the same mode and
     * size limit as the sink's table, writes through the retried sink, and has one rejection breaker
     * shared by every worker, so a schema problem is seen across batches.
     */
    @Produces
    @ApplicationScoped
    IsolatingWriter isolatingWriter(SinkConfig config, PostgresSink sink, DatabaseRetry retry, RouteTables routes,
            RoutedWriter routed) {
        RecordCheck check = routes.isEmpty() ? fixedCheck(config) : routed;
        return new IsolatingWriter(check, sink, retry, new RejectionBreaker(config.rejectionsMin(),
                config.rejectionsMaxRatio(), config.rejectionsWindow()));
    }

    /**
     * Hands poison records to the connector's failure strategy. Its logs name where the strategy puts
     * them. It retries with the database backoff; a failed hand-over counts as the downstream being
     * away (the dead-letter topic is a downstream too), and every attempt marks the batch as making
     * progress.
     */
    @Produces
    @ApplicationScoped
    PoisonRecordHandler poisonRecordHandler(SinkConfig config, SinkMetrics metrics, ConsumerMonitor monitor,
            InFlightBatches inFlight) {
        FailureStrategy strategy = config.parsedFailureStrategy();
        String destination = switch (strategy) {
            case DEAD_LETTER_QUEUE -> "dead-letter topic " + config.dlqTopic();
            case IGNORE -> "the ignore strategy (skipped)";
            default -> "the " + strategy.configName() + " strategy";
        };
        return new PoisonRecordHandler(strategy, destination, config.dlqTopic(),
                Duration.ofMillis(config.retryBackoffInitialMs()),
                Duration.ofMillis(config.retryBackoffMaxMs()), metrics, new DatabaseRetry.Attempts() {
                    @Override
                    public void retrying() {
                        monitor.downstreamFailed();
                        inFlight.progress();
                    }

                    @Override
                    public void answered() {
                        monitor.downstreamAnswered();
                        inFlight.progress();
                    }
                });
    }
}
