package io.steadysink.sink;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.steadysink.config.QualifiedTable;
import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkMode;
import io.steadysink.format.WireFormat;

/**
 * Writes a route's records into the user's table: each record becomes a typed row
 * ({@link RouteRows}), the rows are COPYed into a session-local staging table of the same column
 * types and merged in identity order (so concurrent batches lock rows in one order):
 * <ul>
 * <li>append: {@code ON CONFLICT (identity) DO NOTHING}; the identity is the Kafka coordinates or a
 * natural key, so a replay changes nothing;</li>
 * <li>upsert: the batch is reduced to its newest record per identity and merged with the ordering
 * guard of the fixed-shape upsert: a write applies only when its coordinates come after those of
 * the row's current source ({@link SinkRecord#WRITE_ORDER}); a row without coordinates (written by
 * something else) takes any write. Tombstones delete the row, mark it deleted, or are ignored, per
 * route, under the same guard. A marked row keeps the values and coordinates of its newest write:
 * it is deleted while a newer tombstone of its identity is recorded, so a write older than the
 * tombstone that lands later still replaces an even older one (and stays marked).</li>
 * <li>change events: an upsert where a value the event did not carry (Debezium's placeholder of a
 * large value an update left unchanged) is taken from the identity's earlier write in the batch or
 * from the table's row, and a write landing late still gives such a value ({@link UnchangedSql}).</li>
 * </ul>
 * A column with a default takes it where the record has no value (missing or JSON null).
 * <p>
 * A change-events route with {@code truncate: allow} orders truncates by the source's log position
 * ({@code source.lsn}, global per source database), which each row keeps in {@code source_lsn}: a
 * truncate newer than the newest one recorded for the route's table ({@link RouteTables#TRUNCATES})
 * is recorded and deletes the rows older than it; a change older than the recorded truncate is not
 * written. A truncate has no key and lands in any partition, so batches of every partition of the
 * table serialize with it on a table-level advisory lock (shared for writes, exclusive for a
 * truncate), taken in its own statement so that the statements after it see what the other committed.
 */
public final class RouteWriter implements BatchWriter {

    private static final Logger LOG = Logger.getLogger(RouteWriter.class);
    private static final String TOMBSTONE = "steady_sink_tombstone";
    /** Change events: per row, which columns the event had no field for (they take their default). */
    private static final String ABSENT = "steady_sink_absent";
    /** {@code truncate: allow}: per row, its source log position. */
    private static final String LSN = "steady_sink_source_lsn";
    /** Longest identifier PostgreSQL keeps (NAMEDATALEN - 1 bytes). */
    private static final int MAX_IDENTIFIER_BYTES = 63;
    /** Change events: per row, where each value comes from ({@link RouteRows.Row#sources}, {@link UnchangedSql}). */
    private static final String SOURCES = UnchangedSql.SOURCES;

    private final BoundRoute route;
    private final RouteRows rows;
    private final String stage;
    private final String createStage;
    private final String copyColumns;
    private final String merge;
    private final String recordTombstones;
    private final String tombstones;
    /** {@code truncate: allow}: records a truncate's position when newer; else {@code null}. */
    private final String recordTruncate;
    /** {@code truncate: allow}: deletes the rows older than a truncate. */
    private final String truncateRows;
    /** {@code truncate: allow}: the table's lock, shared by writes; else {@code null}. */
    private final String tableLockShared;
    /** {@code truncate: allow}: the table's lock, exclusive for a truncate. */
    private final String tableLockExclusive;
    /** Change events: the statements keeping the values an update left unchanged; else {@code null}. */
    private final UnchangedSql.Statements unchanged;
    /**
     * The rows {@link #check} converted on this thread, for the write of the same batch that follows
     * on it; kept until the thread's next {@link #forgetChecked()}. A write finding no row here (a
     * retry on another thread) converts the record again: the same record always converts the same.
     */
    private final ThreadLocal<Map<SinkRecord, RouteRows.Row>> checked = ThreadLocal.withInitial(IdentityHashMap::new);
    /** The source commit times of the change events this thread's writes wrote, until {@link #takeWrittenSourceTimes()}. */
    private final ThreadLocal<List<Long>> sourceTimes = ThreadLocal.withInitial(ArrayList::new);

    public RouteWriter(BoundRoute route) {
        this(route, Optional.empty());
    }

    /** @param wire reads values and keys through the schema registry, for routes whose format says so */
    public RouteWriter(BoundRoute route, Optional<WireFormat> wire) {
        this.route = route;
        this.rows = new RouteRows(route, wire);
        List<MappedColumn> columns = route.columns();
        boolean changeEvents = route.spec().changeEvents();
        boolean truncates = route.spec().truncate() == RouteSpec.Truncate.ALLOW;
        String definition = columns.stream().map(c -> c.sql() + " " + c.type().formatted())
                .collect(Collectors.joining(", ")) + ", " + TOMBSTONE + " boolean"
                + (changeEvents ? ", " + ABSENT + " boolean[], " + SOURCES + " bigint[]" : "")
                + (truncates ? ", " + LSN + " bigint" : "");
        // named by its columns too: a session keeps the stage of an earlier binding (before a column was added)
        this.stage = QualifiedTable.quote(
                stageName(route.spec().key() + "_" + String.format("%08x", definition.hashCode())));
        this.createStage = "CREATE TEMP TABLE IF NOT EXISTS " + stage + " (" + definition + ") ON COMMIT DELETE ROWS";
        this.copyColumns = columns.stream().map(MappedColumn::sql).collect(Collectors.joining(", ")) + ", "
                + TOMBSTONE + (changeEvents ? ", " + ABSENT + ", " + SOURCES : "") + (truncates ? ", " + LSN : "");
        String table = route.table().sql();
        String key = literal(route.spec().key());
        String lsnColumn = QualifiedTable.quote(RouteSpec.SOURCE_LSN);
        if (truncates) {
            String tableName = literal(route.table().toString());
            this.recordTruncate = "INSERT INTO " + RouteTables.TRUNCATES + " AS cur (route, table_name, source_lsn)"
                    + " VALUES (" + key + ", " + tableName + ", ?) ON CONFLICT (route, table_name) DO UPDATE SET"
                    + " source_lsn = EXCLUDED.source_lsn WHERE cur.source_lsn < EXCLUDED.source_lsn";
            this.truncateRows = "DELETE FROM " + table + " WHERE " + lsnColumn + " IS NULL OR " + lsnColumn + " < ?";
            String lockKey = "(hashtextextended(" + literal("truncate|" + table) + ", 0))";
            this.tableLockShared = "SELECT pg_advisory_xact_lock_shared" + lockKey;
            this.tableLockExclusive = "SELECT pg_advisory_xact_lock" + lockKey;
        } else {
            this.recordTruncate = null;
            this.truncateRows = null;
            this.tableLockShared = null;
            this.tableLockExclusive = null;
        }
        String names = columns.stream().map(MappedColumn::sql).collect(Collectors.joining(", "));
        List<String> identityColumns = route.identity().stream().map(QualifiedTable::quote).toList();
        String identity = String.join(", ", identityColumns);
        String orderBy = identityColumns.stream().map(c -> "s." + c).collect(Collectors.joining(", "));
        if (route.mode() == SinkMode.APPEND) {
            this.merge = "INSERT INTO " + table + " (" + names + ") SELECT " + values(columns, changeEvents) + " FROM "
                    + stage
                    + " s WHERE NOT s." + TOMBSTONE + " ORDER BY " + orderBy + " ON CONFLICT (" + identity
                    + ") DO NOTHING";
            this.recordTombstones = null;
            this.tombstones = null;
            this.unchanged = null;
            return;
        }
        RouteSpec.Tombstones onTombstone = route.spec().tombstones();
        List<String> guard = route.guard().stream().map(QualifiedTable::quote).toList();
        String deletedName = route.deletedColumn().map(QualifiedTable::quote).orElse(null);
        String identityArray = "ARRAY[" + identityColumns.stream().map(c -> "s." + c + "::text")
                .collect(Collectors.joining(", ")) + "]";
        String from = " FROM " + stage + " s";
        String where = " WHERE NOT s." + TOMBSTONE;
        if (onTombstone != RouteSpec.Tombstones.IGNORE) {
            // a deleted identity's record of its tombstone: older writes landing later never bring the row back
            from += " LEFT JOIN " + RouteTables.TOMBSTONES + " d ON d.route = " + key + " AND d.identity = "
                    + identityArray + " AND " + WriteOrderSql.after("d", RouteSpec.COORDINATE_COLUMNS, "s", guard);
            if (onTombstone == RouteSpec.Tombstones.DELETE) {
                where += " AND d.route IS NULL";
            }
        }
        if (truncates) {
            // a change older than the newest truncate applied is one the truncate removed
            where += " AND NOT EXISTS (SELECT 1 FROM " + RouteTables.TRUNCATES + " t WHERE t.route = " + key
                    + " AND t.table_name = " + literal(route.table().toString()) + " AND t.source_lsn > s." + LSN
                    + ")";
        }
        String marked = (onTombstone == RouteSpec.Tombstones.MARK ? ", " + deletedName : "")
                + (truncates ? ", " + lsnColumn : "");
        String markedValue = (onTombstone == RouteSpec.Tombstones.MARK ? ", d.route IS NOT NULL" : "")
                + (truncates ? ", s." + LSN : "");
        List<String> updates = new ArrayList<>();
        for (MappedColumn column : columns) {
            if (!route.identity().contains(column.name())) {
                updates.add(column.sql() + " = EXCLUDED." + column.sql());
            }
        }
        if (onTombstone == RouteSpec.Tombstones.MARK) {
            updates.add(deletedName + " = EXCLUDED." + deletedName);
        }
        if (truncates) {
            updates.add(lsnColumn + " = EXCLUDED." + lsnColumn);
        }
        this.merge = "INSERT INTO " + table + " AS cur (" + names + marked + ") SELECT "
                + values(columns, changeEvents) + markedValue + from + where
                + " ORDER BY " + orderBy + " ON CONFLICT (" + identity + ") DO UPDATE SET " + String.join(", ", updates)
                + " WHERE " + newer("EXCLUDED", guard);
        String matches = identityColumns.stream().map(c -> "cur." + c + " = s." + c)
                .collect(Collectors.joining(" AND "));
        this.unchanged = changeEvents
                ? new UnchangedSql(route, stage, TOMBSTONE, identityColumns, guard, matches).statements()
                : null;
        if (onTombstone == RouteSpec.Tombstones.IGNORE) {
            this.recordTombstones = null;
            this.tombstones = null;
            return;
        }
        this.recordTombstones = "INSERT INTO " + RouteTables.TOMBSTONES + " AS cur (route, identity, "
                + String.join(", ", RouteSpec.COORDINATE_COLUMNS) + ") SELECT " + key + ", " + identityArray
                + ", "
                + guard.stream().map(c -> "s." + c).collect(Collectors.joining(", ")) + " FROM " + stage + " s WHERE s."
                + TOMBSTONE + " ORDER BY 2 ON CONFLICT (route, identity) DO UPDATE SET "
                + RouteSpec.COORDINATE_COLUMNS.stream().map(c -> c + " = EXCLUDED." + c)
                        .collect(Collectors.joining(", "))
                + " WHERE "
                + WriteOrderSql.after("EXCLUDED", RouteSpec.COORDINATE_COLUMNS, "cur", RouteSpec.COORDINATE_COLUMNS);
        String tombstoneWhere = " WHERE s." + TOMBSTONE + " AND " + matches + " AND " + newer("s", guard);
        this.tombstones = onTombstone == RouteSpec.Tombstones.DELETE
                ? "DELETE FROM " + table + " AS cur USING " + stage + " s" + tombstoneWhere
                : "UPDATE " + table + " AS cur SET " + deletedName + " = true FROM " + stage + " s" + tombstoneWhere;
    }

    /**
     * The staging table of the route (its {@link RouteSpec#key()}), within PostgreSQL's 63 bytes: a
     * longer one keeps its start and ends in a hash of the whole, so the tables of one pattern route
     * stay apart.
     */
    static String stageName(String key) {
        String name = "steady_sink_route_" + key;
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        String hash = String.format("#%08x", name.hashCode());
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < name.length(); i = name.offsetByCodePoints(i, 1)) {
            String next = new String(Character.toChars(name.codePointAt(i)));
            if ((kept + next + hash).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
                break;
            }
            kept.append(next);
        }
        return kept + hash;
    }

    /** {@code text} as an SQL string literal. */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /**
     * The staged value of each column: its default where it has none (a change event: where the event
     * has no field for it; its JSON null stays NULL).
     */
    private static String values(List<MappedColumn> columns, boolean changeEvents) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            values.add(value(columns, i, changeEvents));
        }
        return String.join(", ", values);
    }

    /**
     * The staged value of column {@code i}: its default where it has none (a change event: where the
     * event has no field for it, or no value an update left unchanged is known; its JSON null stays NULL).
     */
    static String value(List<MappedColumn> columns, int i, boolean changeEvents) {
        MappedColumn column = columns.get(i);
        String absent = "s." + ABSENT + "[" + (i + 1) + "] OR s." + SOURCES + "[" + (i + 1) + "] = "
                + RouteRows.Row.UNKNOWN;
        return column.defaultExpression().map(d -> changeEvents
                ? "CASE WHEN " + absent + " THEN " + d + " ELSE s." + column.sql() + " END"
                : "COALESCE(s." + column.sql() + ", " + d + ")")
                .orElse("s." + column.sql());
    }

    /**
     * The ordering guard: the {@code incoming} row's coordinates come after those of the current row
     * ({@code cur}); a current row without coordinates (written by something else) takes any write.
     */
    private static String newer(String incoming, List<String> guard) {
        return "(cur." + guard.get(0) + " IS NULL OR " + WriteOrderSql.after(incoming, guard, "cur", guard) + ")";
    }

    public BoundRoute route() {
        return route;
    }

    /**
     * Converts {@code record} as this route would, throwing what a poison record throws; the row is
     * kept for this thread's write of it.
     */
    void check(SinkRecord record) {
        if (!skipped(record)) {
            checked.get().put(record, rows.row(record));
        }
    }

    /**
     * The source commit times (epoch milliseconds) of the change events this thread's writes wrote
     * since the last call (each event that says when, superseded ones included); the call forgets them.
     */
    List<Long> takeWrittenSourceTimes() {
        List<Long> times = sourceTimes.get();
        if (times.isEmpty()) {
            return List.of();
        }
        List<Long> taken = List.copyOf(times);
        times.clear();
        return taken;
    }

    /**
     * The fields of this route's change events in {@code records} that its table has no column for,
     * each with its Connect schema (the first found), in the order found; records that do not convert
     * are left to the write, which isolates them.
     */
    Map<String, JsonNode> newFields(List<SinkRecord> records) {
        if (!route.spec().changeEvents() || route.spec().schemaChanges() == RouteSpec.SchemaChanges.IGNORE) {
            return Map.of();
        }
        Map<SinkRecord, RouteRows.Row> ready = checked.get();
        Map<String, JsonNode> found = null;
        for (SinkRecord record : records) {
            RouteRows.Row row = ready.get(record);
            if (row == null) {
                try {
                    row = rows.row(record);
                } catch (InvalidRecordException e) {
                    continue;
                }
                ready.put(record, row);
            }
            if (!row.newFields().isEmpty()) {
                found = found == null ? new LinkedHashMap<>() : found;
                row.newFields().forEach(found::putIfAbsent);
            }
        }
        return found == null ? Map.of() : found;
    }

    /** Drops the rows this thread's earlier checks kept: a new batch is being checked. */
    void forgetChecked() {
        checked.get().clear();
    }

    /** A tombstone this route does nothing with, known before conversion (a change event's only after). */
    private boolean skipped(SinkRecord record) {
        return !route.spec().changeEvents() && record.isTombstone()
                && (route.mode() == SinkMode.APPEND || route.spec().tombstones() == RouteSpec.Tombstones.IGNORE);
    }

    private boolean ignored(RouteRows.Row row) {
        return row.tombstone() && route.spec().tombstones() == RouteSpec.Tombstones.IGNORE;
    }

    /**
     * Transaction-level advisory locks on each (table, topic, partition) of a batch, taken in the order
     * of their keys. An upsert route that deletes or marks rows writes them in several statements (the
     * tombstones, then the merge), as does a change-events route (values kept, then the merge), each
     * locking rows in its own order: two batches sharing identities
     * could each hold a row the other needs next. An identity comes from the key, which Kafka keeps in
     * one partition, so batches of one partition take turns and batches of others run alongside.
     */
    private static final String LOCK_PARTITIONS = "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT"
            + " hashtextextended(p, 0) AS k FROM unnest(?::text[]) AS p) l ORDER BY k";

    private void lockPartitions(Connection connection, List<SinkRecord> batch) throws SQLException {
        Object[] partitions = batch.stream().map(r -> route.table().sql() + "|" + r.topic() + "|" + r.partition())
                .distinct().toArray();
        try (PreparedStatement lock = connection.prepareStatement(LOCK_PARTITIONS)) {
            lock.setArray(1, connection.createArrayOf("text", partitions));
            lock.execute();
        }
    }

    @Override
    public int write(Connection connection, List<SinkRecord> batch) throws SQLException {
        if (tombstones != null || unchanged != null) {
            lockPartitions(connection, batch);
        }
        List<RouteRows.Row> converted = new ArrayList<>(batch.size());
        Map<SinkRecord, RouteRows.Row> ready = checked.get();
        Long truncate = null;
        for (SinkRecord record : batch) {
            if (!skipped(record)) {
                RouteRows.Row row = ready.get(record);
                row = row != null ? row : rows.row(record);
                if (row.truncate()) {
                    truncate = truncate == null ? row.sourceLsn() : Math.max(truncate, row.sourceLsn());
                } else if (!ignored(row)) {
                    converted.add(row);
                }
                if (row.sourceMillis() != null) {
                    sourceTimes.get().add(row.sourceMillis());
                }
            }
        }
        int truncated = tableLockShared == null ? 0 : truncate(connection, truncate);
        if (route.mode() == SinkMode.UPSERT) {
            converted = newestPerIdentity(converted);
        }
        if (converted.isEmpty()) {
            return truncated;
        }
        CopyText copy = new CopyText(converted.size());
        boolean anyTombstone = false;
        boolean anyUnknown = false;
        boolean anySources = false;
        for (RouteRows.Row row : converted) {
            for (String value : row.values()) {
                copy.text(value);
            }
            copy.bool(row.tombstone());
            if (route.spec().changeEvents()) {
                copy.text(row.absent() == null ? null : absent(row.absent()));
                copy.text(sources(row.sources()));
                anySources |= row.sources() != null;
                anyUnknown |= row.sources() != null && unknown(row.sources());
            }
            if (tableLockShared != null) {
                copy.text(row.sourceLsn() == null ? null : Long.toString(row.sourceLsn()));
            }
            copy.endRow();
            anyTombstone |= row.tombstone();
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(createStage);
            copy.copyInto(connection, stage, copyColumns);
            int changed = 0;
            if (anyTombstone && tombstones != null) {
                statement.executeUpdate(recordTombstones);
                changed += statement.executeUpdate(tombstones);
            }
            if (anyUnknown && unchanged != null) {
                statement.executeUpdate(unchanged.fillFromTable());
                warnUnknown(statement);
            }
            if (unchanged != null) {
                changed += statement.executeUpdate(unchanged.fillLate());
                statement.executeUpdate(unchanged.recordLateSources());
            }
            changed += statement.executeUpdate(merge);
            if (unchanged != null) {
                statement.executeUpdate(unchanged.forgetStale());
            }
            if (anySources && unchanged != null) {
                statement.executeUpdate(unchanged.recordSources());
            }
            return truncated + changed;
        }
    }

    /**
     * {@code truncate: allow}: takes the table's lock (exclusive when the batch truncates), then
     * applies the batch's newest truncate ({@code lsn}, {@code null} for none) when it is newer than the
     * one recorded: records it and deletes the rows older than it. Returns 1 when it applied (the
     * truncate record changed the table, however many rows it deleted), else 0.
     */
    private int truncate(Connection connection, Long lsn) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(lsn == null ? tableLockShared : tableLockExclusive);
        }
        if (lsn == null) {
            return 0;
        }
        try (PreparedStatement record = connection.prepareStatement(recordTruncate)) {
            record.setLong(1, lsn);
            if (record.executeUpdate() == 0) {
                return 0; // a truncate as new or newer was applied: the rows older than this one are gone
            }
        }
        try (PreparedStatement delete = connection.prepareStatement(truncateRows)) {
            delete.setLong(1, lsn);
            delete.executeUpdate();
            return 1;
        }
    }

    private static boolean unknown(long[] sources) {
        for (long source : sources) {
            if (source == RouteRows.Row.UNKNOWN) {
                return true;
            }
        }
        return false;
    }

    /** A bigint array literal of {@code sources} ({@code NULL} for own values); {@code null} when all are own. */
    private static String sources(long[] sources) {
        if (sources == null) {
            return null;
        }
        StringBuilder literal = new StringBuilder(2 + 4 * sources.length).append('{');
        for (int i = 0; i < sources.length; i++) {
            literal.append(i == 0 ? "" : ",")
                    .append(sources[i] == RouteRows.Row.OWN ? "NULL" : Long.toString(sources[i]));
        }
        return literal.append('}').toString();
    }

    /**
     * Says which staged rows go into the table without values their events left unchanged (neither
     * the batch nor the table's row has them): they take the columns' defaults, NULL without one,
     * until a change older than the row, landing later, gives them.
     */
    private void warnUnknown(Statement statement) throws SQLException {
        List<String> coordinates = new ArrayList<>();
        Set<String> columns = new TreeSet<>(Comparator.comparingInt(this::columnIndex));
        try (ResultSet unknown = statement.executeQuery(unchanged.stillUnknown())) {
            while (unknown.next()) {
                coordinates.add(unknown.getString(1) + "-" + unknown.getInt(2) + "@" + unknown.getLong(3));
                Long[] sources = (Long[]) unknown.getArray(4).getArray();
                for (int i = 0; i < sources.length; i++) {
                    if (sources[i] != null && sources[i] == RouteRows.Row.UNKNOWN) {
                        columns.add(route.columns().get(i).name());
                    }
                }
            }
        }
        if (!coordinates.isEmpty()) {
            LOG.warnf("route %s -> table %s: %d change event(s) (%s) carry Debezium's placeholder of a value an"
                    + " update left unchanged in columns %s, and neither an earlier change of the batch nor the"
                    + " table holds the row: those columns take their defaults (NULL without one) until a change"
                    + " older than the row lands and gives them", route.name(), route.table(), coordinates.size(),
                    String.join(", ", coordinates.subList(0, Math.min(10, coordinates.size())))
                            + (coordinates.size() > 10 ? ", …" : ""),
                    String.join(", ", columns));
        }
    }

    private int columnIndex(String name) {
        for (int i = 0; i < route.columns().size(); i++) {
            if (route.columns().get(i).name().equals(name)) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    /** A boolean array literal: {@code {t,f}}. */
    private static String absent(boolean[] absent) {
        StringBuilder literal = new StringBuilder(2 + 2 * absent.length).append('{');
        for (int i = 0; i < absent.length; i++) {
            literal.append(i == 0 ? "" : ",").append(absent[i] ? 't' : 'f');
        }
        return literal.append('}').toString();
    }

    /**
     * The newest write per identity by {@link SinkRecord#WRITE_ORDER} (one INSERT cannot change a row
     * twice), and the newest tombstone per identity beside it: the tombstone is recorded first, so a
     * write older than it lands deleted (or not at all) whichever batch it comes in.
     */
    private List<RouteRows.Row> newestPerIdentity(List<RouteRows.Row> converted) {
        if (route.spec().changeEvents()) {
            return newestWithUnchangedFilled(converted);
        }
        Map<List<Object>, RouteRows.Row> newest = new HashMap<>(converted.size() * 2);
        for (RouteRows.Row row : converted) {
            newest.merge(List.of(rows.identity(row), row.tombstone()), row,
                    (current, candidate) -> candidate.record().isNewerThan(current.record()) ? candidate : current);
        }
        return new ArrayList<>(newest.values());
    }

    /**
     * Change events: {@link #newestPerIdentity} where each write's values its event left unchanged
     * (Debezium's placeholder) are taken from the write of its identity before it in the batch, back
     * to the last delete: the newest write carries the values its row had, or marks them unknown for
     * the table's row to give ({@link UnchangedSql}).
     */
    private List<RouteRows.Row> newestWithUnchangedFilled(List<RouteRows.Row> converted) {
        Map<List<String>, List<RouteRows.Row>> byIdentity = new HashMap<>(converted.size() * 2);
        for (RouteRows.Row row : converted) {
            byIdentity.computeIfAbsent(rows.identity(row), identity -> new ArrayList<>()).add(row);
        }
        List<RouteRows.Row> newest = new ArrayList<>(byIdentity.size());
        for (List<RouteRows.Row> writes : byIdentity.values()) {
            writes.sort((a, b) -> SinkRecord.WRITE_ORDER.compare(a.record(), b.record()));
            RouteRows.Row write = null;
            RouteRows.Row tombstone = null;
            RouteRows.Row earlier = null;
            for (RouteRows.Row row : writes) {
                if (row.tombstone()) {
                    tombstone = row;
                    earlier = null; // values before a delete belong to the row it removed
                } else {
                    earlier = filled(row, earlier);
                    write = earlier;
                }
            }
            if (write != null) {
                newest.add(write);
            }
            if (tombstone != null) {
                newest.add(tombstone);
            }
        }
        return newest;
    }

    /** {@code row} with its unknown values taken from {@code earlier} (its topic and partition), when there is one. */
    private static RouteRows.Row filled(RouteRows.Row row, RouteRows.Row earlier) {
        if (row.sources() == null || earlier == null || !earlier.record().topic().equals(row.record().topic())
                || earlier.record().partition() != row.record().partition()) {
            return row;
        }
        String[] values = row.values().clone();
        boolean[] absent = row.absent().clone();
        long[] sources = row.sources().clone();
        for (int i = 0; i < sources.length; i++) {
            if (sources[i] == RouteRows.Row.UNKNOWN) {
                values[i] = earlier.values()[i];
                absent[i] = earlier.absent()[i];
                sources[i] = earlier.sources() == null || earlier.sources()[i] == RouteRows.Row.OWN
                        ? earlier.record().rowOffset()
                        : earlier.sources()[i];
            }
        }
        return new RouteRows.Row(row.record(), values, false, absent, row.sourceMillis(), row.sourceLsn(), false,
                row.newFields(), sources);
    }
}
