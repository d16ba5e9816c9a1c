package io.steadysink.sink;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.steadysink.config.ColumnSource;
import io.steadysink.config.QualifiedTable;
import io.steadysink.config.RouteSpec;

/**
 * The statements by which a {@code change-events} route keeps the values an update left unchanged
 * (Debezium's placeholder of a large, TOASTed value), whatever order the batches land in. The staged
 * rows (alias {@code s}) carry, per column, where their value comes from ({@value #SOURCES}: NULL
 * their own write, -1 unknown, -2 a table row without coordinates, else the offset of the earlier
 * write it was taken from);
 * {@link RouteTables#UNCHANGED} keeps the same for the table's row ({@code cur}) while it has the
 * coordinates recorded there:
 * <ol>
 * <li>{@link #fillFromTable}: a staged row newer than the table's row takes the unknown values from
 * it, and where they came from (an older one takes the values only, so that its {@code INSERT},
 * which the guard turns into nothing, meets the table's constraints; they stay unknown);</li>
 * <li>{@link #stillUnknown}: staged rows that will be written with values nobody gave (the table has
 * no row): they are written as the columns' defaults;</li>
 * <li>{@link #fillLate}: a staged row older than the table's row (it lands late) gives a value to
 * each column of the row whose value came from a write older than its own (or from none): the row
 * then holds the newest value written before it, as if the writes had landed in order; the
 * recorded sources follow;</li>
 * <li>{@link #forgetStale}, {@link #recordSources}: after the merge, what a delete or a write of its
 * own values made stale is forgotten, and each row the merge wrote with values not its own records
 * where they came from.</li>
 * </ol>
 * A write older than the identity's recorded tombstone gives nothing: its values belong to the row
 * the delete removed. Offsets are compared within one topic and partition, where a key's changes are.
 */
final class UnchangedSql {

    static final String SOURCES = "steady_sink_sources";
    /**
     * The source of a value taken from a row written by something else (without coordinates): kept,
     * and given way to by any change landing later.
     */
    private static final int FOREIGN = -2;

    private final String table;
    private final String stage;
    private final String route;
    private final List<MappedColumn> columns;
    private final List<String> identity;
    private final List<String> guard;
    private final String matches;
    private final RouteSpec.Tombstones tombstones;
    private final String deleted;
    private final String notTombstone;
    /** The columns a placeholder can stand for: those filled from a field of the row. */
    private final List<Integer> fillable = new ArrayList<>();

    /**
     * @param identity the identity columns, quoted
     * @param guard the coordinate columns of the table and the staged rows, quoted
     * @param matches {@code cur} and {@code s} have one identity
     */
    UnchangedSql(BoundRoute route, String stage, String tombstoneColumn, List<String> identity, List<String> guard,
            String matches) {
        this.table = route.table().sql();
        this.stage = stage;
        this.route = route.spec().key().replace("'", "''");
        this.columns = route.columns();
        this.identity = identity;
        this.guard = guard;
        this.matches = matches;
        this.tombstones = route.spec().tombstones();
        this.deleted = route.deletedColumn().map(QualifiedTable::quote).orElse(null);
        this.notTombstone = "NOT s." + tombstoneColumn;
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).source() instanceof ColumnSource.ValuePointer
                    && !route.identity().contains(columns.get(i).name())) {
                fillable.add(i);
            }
        }
    }

    private String source(int i) {
        return "s." + SOURCES + "[" + (i + 1) + "]";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private String key(int i) {
        return literal(columns.get(i).name());
    }

    private String identityArray(String alias) {
        return "ARRAY[" + identity.stream().map(c -> alias + "." + c + "::text").collect(Collectors.joining(", "))
                + "]";
    }

    private String coordinate(String alias, int i) {
        return alias + "." + guard.get(i);
    }

    /** The recorded sources describe {@code cur} as it is (same coordinates). */
    private String recordedFor(String alias) {
        return "u.route = " + literal(route) + " AND u.identity = " + identityArray(alias) + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(0) + " = cur." + guard.get(0) + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(1) + " = cur." + guard.get(1) + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(2) + " = cur." + guard.get(2);
    }

    String fillFromTable() {
        List<String> sets = new ArrayList<>();
        for (int i : fillable) {
            String column = columns.get(i).sql();
            sets.add(column + " = CASE WHEN " + source(i) + " = -1 THEN cur." + column + " ELSE s." + column + " END");
        }
        List<String> sources = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            sources.add(fillable.contains(i)
                    ? "CASE WHEN " + source(i) + " = -1 AND " + newer() + " THEN CASE WHEN u.sources -> " + key(i)
                            + " IS NULL THEN"
                            + " COALESCE(" + coordinate("cur", 2) + ", " + FOREIGN + ") ELSE COALESCE((u.sources ->> "
                            + key(i)
                            + ")::bigint, -1) END ELSE " + source(i) + " END"
                    : source(i));
        }
        sets.add(SOURCES + " = ARRAY[" + String.join(", ", sources) + "]::bigint[]");
        return "UPDATE " + stage + " s SET " + String.join(", ", sets) + " FROM " + table + " cur LEFT JOIN "
                + RouteTables.UNCHANGED + " u ON " + recordedFor("cur") + " WHERE " + matches + " AND " + notTombstone
                + " AND -1 = ANY(s." + SOURCES + ")" + (deleted == null
                        ? ""
                        : " AND cur." + deleted + " IS NOT TRUE");
    }

    /** The staged row is newer than the table's, or the table's was written by something else. */
    private String newer() {
        return "(" + coordinate("cur", 0) + " IS NULL OR " + WriteOrderSql.after("s", guard, "cur", guard) + ")";
    }

    /** Columns: topic, partition, offset, sources of each staged row the merge writes with unknown values. */
    String stillUnknown() {
        return "SELECT " + coordinate("s", 0) + ", " + coordinate("s", 1) + ", " + coordinate("s", 2) + ", s." + SOURCES
                + " FROM " + stage + " s LEFT JOIN " + table + " cur ON " + matches + " WHERE " + notTombstone
                + " AND -1 = ANY(s." + SOURCES + ") AND " + newer() + " ORDER BY 1, 2, 3";
    }

    /** The staged row gives column {@code i} a value newer than the one the row holds. */
    private String late(int i) {
        String given = "COALESCE(" + source(i) + ", " + coordinate("s", 2) + ")";
        return "(u.sources -> " + key(i) + " IS NOT NULL AND " + given + " >= 0 AND (u.sources ->> " + key(i)
                + " IS NULL OR (u.sources ->> " + key(i) + ")::bigint < " + given + "))";
    }

    /** A staged row older than the table's, of its topic and partition, not older than a recorded tombstone. */
    private String olderOfTheRow() {
        List<String> late = new ArrayList<>();
        for (int i : fillable) {
            late.add(late(i));
        }
        return " AND " + notTombstone + " AND " + coordinate("s", 0) + " = " + coordinate("cur", 0) + " AND "
                + coordinate("s", 1) + " = " + coordinate("cur", 1) + " AND " + coordinate("s", 2) + " < "
                + coordinate("cur", 2) + (tombstones == RouteSpec.Tombstones.IGNORE ? "" : " AND d.route IS NULL")
                + " AND (" + (late.isEmpty() ? "false" : String.join(" OR ", late)) + ")";
    }

    private String recordedTombstone() {
        return tombstones == RouteSpec.Tombstones.IGNORE
                ? ""
                : " LEFT JOIN " + RouteTables.TOMBSTONES + " d ON d.route = " + literal(route) + " AND d.identity = "
                        + identityArray("s") + " AND "
                        + WriteOrderSql.after("d", RouteSpec.COORDINATE_COLUMNS, "s", guard);
    }

    /** {@code sources}: the row's recorded sources, updated; else the values themselves. */
    String fillLate(boolean sources) {
        if (sources) {
            List<String> merged = new ArrayList<>();
            merged.add("u.sources");
            for (int i : fillable) {
                merged.add("CASE WHEN " + late(i) + " THEN jsonb_build_object(" + key(i) + ", COALESCE(" + source(i)
                        + ", " + coordinate("s", 2) + ")) ELSE '{}'::jsonb END");
            }
            return "UPDATE " + RouteTables.UNCHANGED + " u SET sources = " + String.join(" || ", merged) + " FROM "
                    + stage + " s" + recordedTombstone() + " JOIN " + table + " cur ON " + matches + " WHERE "
                    + recordedFor("s") + olderOfTheRow();
        }
        List<String> sets = new ArrayList<>();
        for (int i : fillable) {
            String column = columns.get(i).sql();
            sets.add(column + " = CASE WHEN " + late(i) + " THEN " + RouteWriter.value(columns, i, true) + " ELSE cur."
                    + column + " END");
        }
        if (sets.isEmpty()) {
            return null;
        }
        return "UPDATE " + table + " cur SET " + String.join(", ", sets) + " FROM " + stage + " s JOIN "
                + RouteTables.UNCHANGED + " u ON u.route = " + literal(route) + " AND u.identity = "
                + identityArray("s") + recordedTombstone() + " WHERE " + matches + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(0) + " = cur." + guard.get(0) + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(1) + " = cur." + guard.get(1) + " AND u."
                + RouteSpec.COORDINATE_COLUMNS.get(2) + " = cur." + guard.get(2) + olderOfTheRow();
    }

    /**
     * Forgets the recorded sources a staged tombstone or write of own values makes stale (the row's
     * version they describe is older): they are ignored anyway, this keeps the table small.
     */
    String forgetStale() {
        return "DELETE FROM " + RouteTables.UNCHANGED + " u USING " + stage + " s WHERE u.route = " + literal(route)
                + " AND u.identity = " + identityArray("s") + " AND (NOT " + notTombstone + " OR s." + SOURCES
                + " IS NULL) AND " + WriteOrderSql.after("s", guard, "u", RouteSpec.COORDINATE_COLUMNS);
    }

    String recordSources() {
        List<String> sources = new ArrayList<>();
        sources.add("'{}'::jsonb");
        for (int i : fillable) {
            sources.add("CASE WHEN " + source(i) + " IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(" + key(i)
                    + ", NULLIF(" + source(i) + ", -1)) END");
        }
        List<String> coordinates = RouteSpec.COORDINATE_COLUMNS;
        return "INSERT INTO " + RouteTables.UNCHANGED + " AS u (route, identity, " + String.join(", ", coordinates)
                + ", sources) SELECT " + literal(route) + ", " + identityArray("s") + ", " + coordinate("s", 0) + ", "
                + coordinate("s", 1) + ", " + coordinate("s", 2) + ", " + String.join(" || ", sources) + " FROM "
                + stage + " s JOIN " + table + " cur ON " + matches + " AND " + coordinate("cur", 0) + " = "
                + coordinate("s", 0) + " AND " + coordinate("cur", 1) + " = " + coordinate("s", 1) + " AND "
                + coordinate("cur", 2) + " = " + coordinate("s", 2) + " WHERE " + notTombstone + " AND s." + SOURCES
                + " IS NOT NULL ORDER BY 2 ON CONFLICT (route, identity) DO UPDATE SET "
                + coordinates.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "))
                + ", sources = EXCLUDED.sources WHERE "
                + WriteOrderSql.after("EXCLUDED", coordinates, "u", coordinates);
    }

    /**
     * The statements of a change-events route's write, in the order {@link RouteWriter} runs them.
     *
     * @param fillFromTable values an update left unchanged, taken from the table's row before the merge
     * @param stillUnknown the staged rows still lacking such values, to say so
     * @param fillLate values of writes older than the row, for columns whose value came from an even older one
     * @param recordLateSources where those late values came from
     * @param forgetStale drops the entries a staged tombstone or write of all its own values made stale
     * @param recordSources where the values of each row the merge wrote came from, when not its own write
     */
    record Statements(String fillFromTable, String stillUnknown, String fillLate, String recordLateSources,
            String forgetStale, String recordSources) {
    }

    Statements statements() {
        return new Statements(fillFromTable(), stillUnknown(), fillLate(false), fillLate(true), forgetStale(),
                recordSources());
    }
}
