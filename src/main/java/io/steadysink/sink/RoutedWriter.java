package io.steadysink.sink;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.steadysink.config.RouteSpec;
import io.steadysink.format.WireFormat;

/**
 * Writes a batch into every table its records are routed to, in the caller's one transaction: each
 * record goes to every route taking its topic (a topic may feed several tables) and to the
 * fixed-shape table when its topic is one of {@code SINK_TOPICS}. Tables are written in name order.
 * It is also the batch's {@link RecordCheck}: a record is poison when the fixed-shape checks or any
 * of its routes refuse it, so a record is written to all its tables or to none. The rows a check
 * converts are kept for the write of the same batch that follows on the thread, so a record is
 * converted once. Before each write it readies the tables of change-events routes ({@link #prepare}),
 * rebinding a route whose table changed; the writers of all routes are replaced together, so every
 * worker sees one binding per route.
 */
public final class RoutedWriter implements BatchWriter, RecordCheck {

    private final Set<String> defaultTopics;
    private final Optional<BatchWriter> fixed;
    private final RecordValidator fixedCheck;
    private final RouteTables tables;
    private final Optional<WireFormat> wire;
    private volatile List<RouteWriter> routes;

    /**
     * @param defaultTopics {@code SINK_TOPICS}, written by {@code fixed} after {@code fixedCheck}
     * @param fixedCheck the fixed-shape checks; its size limit ({@code SINK_MAX_RECORD_BYTES}) holds
     *        for every record
     * @param tables the routes, bound to their tables at start-up before the first batch
     */
    public RoutedWriter(Set<String> defaultTopics, Optional<BatchWriter> fixed, RecordValidator fixedCheck,
            RouteTables tables) {
        this(defaultTopics, fixed, fixedCheck, tables, Optional.empty());
    }

    /** @param wire reads values and keys through the schema registry, for the routes whose format says so */
    public RoutedWriter(Set<String> defaultTopics, Optional<BatchWriter> fixed, RecordValidator fixedCheck,
            RouteTables tables, Optional<WireFormat> wire) {
        this.wire = wire;
        this.defaultTopics = Set.copyOf(defaultTopics);
        this.fixed = fixed;
        this.fixedCheck = fixedCheck;
        this.tables = tables;
    }

    private List<RouteWriter> routes() {
        List<RouteWriter> writers = routes;
        if (writers == null) {
            writers = sorted(tables.bound().stream().map(route -> new RouteWriter(route, wire)).toList());
            routes = writers;
        }
        return writers;
    }

    private static List<RouteWriter> sorted(List<RouteWriter> writers) {
        return writers.stream().sorted(Comparator.comparing((RouteWriter w) -> w.route().table().toString())
                .thenComparing(w -> w.route().name())).toList();
    }

    /** Writes {@code route} from now on (in place of the writer of an earlier binding of it). */
    private synchronized void adopt(BoundRoute route) {
        List<RouteWriter> writers = new ArrayList<>(routes());
        if (writers.stream().anyMatch(writer -> writer.route() == route)) {
            return;
        }
        writers.removeIf(writer -> writer.route().spec().key().equals(route.spec().key()));
        writers.add(new RouteWriter(route, wire));
        routes = sorted(writers);
    }

    /**
     * Readies the tables of change-events routes for the batch, before its transaction: a pending
     * route's table is created from its first events, and a route whose events carry a field its table
     * has no column for is bound again ({@link RouteTables#evolve}: the column may be there by now, or
     * the route adds it).
     *
     * @throws TableChangeRequired when a table still lacks what the batch needs
     */
    @Override
    public void prepare(List<SinkRecord> batch) throws SQLException {
        for (RouteSpec spec : tables.pending()) {
            List<SinkRecord> taken = batch.stream().filter(record -> spec.topics().contains(record.topic())).toList();
            if (!taken.isEmpty()) {
                adopt(tables.create(spec, taken));
            }
        }
        for (RouteWriter route : routes()) {
            List<String> topics = route.route().spec().topics();
            List<SinkRecord> taken = batch.stream().filter(record -> topics.contains(record.topic())).toList();
            Map<String, JsonNode> fields = taken.isEmpty() ? Map.of() : route.newFields(taken);
            if (!fields.isEmpty()) {
                adopt(tables.evolve(route.route(), fields));
            }
        }
    }

    @Override
    public Checked check(List<SinkRecord> batch) {
        for (RouteWriter route : routes()) {
            route.forgetChecked();
        }
        return RecordCheck.super.check(batch);
    }

    @Override
    public InvalidRecordException problem(SinkRecord record) {
        if (defaultTopics.contains(record.topic())) {
            InvalidRecordException problem = fixedCheck.problem(record);
            if (problem != null) {
                return problem;
            }
        }
        InvalidRecordException tooLarge = fixedCheck.sizeProblem(record);
        if (tooLarge != null) {
            return tooLarge;
        }
        for (RouteWriter route : routes()) {
            if (route.route().spec().topics().contains(record.topic())) {
                try {
                    route.check(record);
                } catch (InvalidRecordException e) {
                    return e;
                }
            }
        }
        return null;
    }

    @Override
    public List<ReplicationLag.SourceTimes> takeSourceTimes() {
        List<ReplicationLag.SourceTimes> written = new ArrayList<>();
        for (RouteWriter route : routes()) {
            List<Long> times = route.takeWrittenSourceTimes();
            if (!times.isEmpty()) {
                written.add(new ReplicationLag.SourceTimes(route.route().name(), route.route().table().toString(),
                        times));
            }
        }
        return written;
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        int rows = 0;
        if (fixed.isPresent()) {
            List<SinkRecord> taken = batch.stream().filter(record -> defaultTopics.contains(record.topic())).toList();
            rows += taken.isEmpty() ? 0 : fixed.get().write(connection, taken);
        }
        for (RouteSpec spec : tables.pending()) {
            if (batch.stream().anyMatch(record -> spec.topics().contains(record.topic()))) {
                throw new TableChangeRequired("route " + spec.name() + ": table " + spec.table()
                        + " is created from the route's first change events, before their write");
            }
        }
        for (RouteWriter route : routes()) {
            List<String> topics = route.route().spec().topics();
            List<SinkRecord> taken = batch.stream().filter(record -> topics.contains(record.topic())).toList();
            rows += taken.isEmpty() ? 0 : route.write(connection, taken);
        }
        return rows;
    }
}
