package io.steadysink.sink;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.steadysink.config.QualifiedTable;

/**
 * Reads what a user's table looks like from PostgreSQL's catalog: its columns with their types
 * (built-in types by their {@code format_type} spelling, enums with their labels, domains as their
 * base type, arrays by their element type) and the unique keys {@code ON CONFLICT} can use. A column
 * of a type steady-sink cannot write is read all the same, as an unsupported {@link ColumnType}.
 */
public final class TableCatalog {

    private static final String RELATION = "SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass(?)";

    private static final String COLUMNS = """
            SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated,
                   pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = ?::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    /** Key columns only (not INCLUDE ones), in index order; constraints before plain indexes, then by name. */
    private static final String UNIQUE_KEYS = """
            SELECT ARRAY(SELECT a.attname::text
                         FROM generate_series(0, i.indnkeyatts - 1) AS k
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k]
                         ORDER BY k) AS key_columns,
                   EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u')
                       AS is_constraint
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = ?::oid AND i.indisunique AND i.indisvalid AND i.indimmediate
              AND i.indpred IS NULL AND i.indexprs IS NULL
            ORDER BY i.indisprimary DESC, is_constraint DESC, c.relname""";

    private static final String TYPE = """
            SELECT t.typtype, t.typcategory, t.typelem, t.typlen, t.typbasetype, t.typtypmod,
                   n.nspname = 'pg_catalog', format_type(t.oid, ?)
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE t.oid = ?::oid""";

    private static final String LABELS = "SELECT enumlabel FROM pg_enum WHERE enumtypid = ?::oid ORDER BY enumsortorder";

    private TableCatalog() {
    }

    /**
     * The table's columns and unique keys, or empty when no table of that name exists (or the name is
     * a view, sequence or other relation, which steady-sink cannot write into). Without a schema the
     * connection's {@code search_path} finds the table.
     */
    public static Optional<TableShape> read(Connection connection, QualifiedTable table) throws SQLException {
        long relation;
        try (PreparedStatement find = connection.prepareStatement(RELATION)) {
            find.setString(1, table.sql());
            try (ResultSet found = find.executeQuery()) {
                if (!found.next() || !List.of("r", "p").contains(found.getString(2))) {
                    return Optional.empty();
                }
                relation = found.getLong(1);
            }
        }
        Map<String, ColumnType> types = new HashMap<>();
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement read = connection.prepareStatement(COLUMNS)) {
            read.setLong(1, relation);
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    columns.put(rows.getString(1), column(connection, types, rows));
                }
            }
        }
        List<List<String>> keys = new ArrayList<>();
        try (PreparedStatement read = connection.prepareStatement(UNIQUE_KEYS)) {
            read.setLong(1, relation);
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    Array names = rows.getArray(1);
                    keys.add(List.of((String[]) names.getArray()));
                    names.free();
                }
            }
        }
        return Optional.of(new TableShape(table, columns, keys));
    }

    private static Column column(Connection connection, Map<String, ColumnType> types, ResultSet row)
            throws SQLException {
        String name = row.getString(1);
        long typeOid = row.getLong(2);
        int typmod = row.getInt(3);
        String identity = row.getString(6);
        String generated = row.getString(7);
        Optional<String> expression = Optional.ofNullable(row.getString(8));
        ColumnType type = types.get(typeOid + "/" + typmod);
        if (type == null) {
            type = type(connection, typeOid, typmod);
            types.put(typeOid + "/" + typmod, type);
        }
        if (!generated.isEmpty()) {
            type = ColumnType.unwritable(type.formatted(),
                    "steady-sink cannot write a generated column: PostgreSQL computes it");
        } else if (identity.equals("a")) {
            type = ColumnType.unwritable(type.formatted(),
                    "steady-sink cannot write a column GENERATED ALWAYS AS IDENTITY: PostgreSQL numbers its rows");
        }
        boolean hasDefault = row.getBoolean(5) || !identity.isEmpty() || !generated.isEmpty();
        return new Column(name, type, row.getBoolean(4), hasDefault, expression);
    }

    private static ColumnType type(Connection connection, long oid, int typmod) throws SQLException {
        String typtype;
        String category;
        long element;
        int length;
        long base;
        int baseTypmod;
        boolean builtIn;
        String formatted;
        try (PreparedStatement read = connection.prepareStatement(TYPE)) {
            read.setInt(1, typmod);
            read.setLong(2, oid);
            try (ResultSet row = read.executeQuery()) {
                if (!row.next()) {
                    return ColumnType.unsupported("oid " + oid); // dropped while we looked
                }
                typtype = row.getString(1);
                category = row.getString(2);
                element = row.getLong(3);
                length = row.getInt(4);
                base = row.getLong(5);
                baseTypmod = row.getInt(6);
                builtIn = row.getBoolean(7);
                formatted = row.getString(8);
            }
        }
        return switch (typtype) {
            case "d" -> ColumnType.domain(formatted, type(connection, base, baseTypmod));
            case "e" -> ColumnType.enumType(formatted, labels(connection, oid));
            case "b" -> {
                if (category.equals("A") && element != 0 && length == -1) {
                    yield ColumnType.arrayOf(formatted, type(connection, element, typmod));
                }
                yield builtIn ? ColumnType.of(formatted) : ColumnType.unsupported(formatted);
            }
            default -> ColumnType.unsupported(formatted); // composite, range, multirange, pseudo-types
        };
    }

    private static List<String> labels(Connection connection, long oid) throws SQLException {
        List<String> labels = new ArrayList<>();
        try (PreparedStatement read = connection.prepareStatement(LABELS)) {
            read.setLong(1, oid);
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    labels.add(rows.getString(1));
                }
            }
        }
        return labels;
    }
}
