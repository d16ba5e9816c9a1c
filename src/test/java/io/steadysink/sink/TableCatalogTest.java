package io.steadysink.sink;

import static io.steadysink.sink.ColumnTypeTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.steadysink.config.QualifiedTable;
import io.steadysink.testing.LocalPostgres;

class TableCatalogTest {

    @BeforeAll
    static void createSchema() {
        LocalPostgres.execute("DROP SCHEMA IF EXISTS catalog_test CASCADE; CREATE SCHEMA catalog_test");
    }

    @Test
    void aTableThatDoesNotExistOrIsNoTableIsEmpty() throws SQLException {
        LocalPostgres.execute("CREATE VIEW catalog_test.a_view AS SELECT 1 AS one");
        LocalPostgres.execute("CREATE SEQUENCE catalog_test.a_sequence");
        assertThat(read("catalog_test.nope")).isEmpty();
        assertThat(read("no_such_schema.nope")).isEmpty();
        assertThat(read("catalog_test.a_view")).isEmpty();
        assertThat(read("catalog_test.a_sequence")).isEmpty();
    }

    @Test
    void readsTheColumnsInTheirOrderWithTypesNotNullAndDefaultsButNotDroppedOnes() throws SQLException {
        LocalPostgres
                .execute("CREATE TABLE catalog_test.orders (order_id uuid PRIMARY KEY, customer_id bigint NOT NULL,"
                        + " gone integer, amount numeric(12,2) NOT NULL DEFAULT 0, placed_at timestamptz DEFAULT now(),"
                        + " status text NOT NULL DEFAULT 'new', note varchar(20), tags text[])");
        LocalPostgres.execute("ALTER TABLE catalog_test.orders DROP COLUMN gone");

        TableShape shape = read("catalog_test.orders").orElseThrow();

        assertThat(shape.table()).isEqualTo(QualifiedTable.parse("catalog_test.orders"));
        assertThat(shape.columns().keySet()).containsExactly("order_id", "customer_id", "amount", "placed_at", "status",
                "note", "tags");
        assertThat(shape.columns().values()).extracting(column -> column.type().formatted()).containsExactly("uuid",
                "bigint", "numeric(12,2)", "timestamp with time zone", "text", "character varying(20)", "text[]");
        assertThat(shape.columns().values()).allMatch(column -> column.type().supported());
        assertThat(shape.column("order_id").orElseThrow()).isEqualTo(
                new Column("order_id", shape.column("order_id").orElseThrow().type(), true, false, Optional.empty()));
        Column status = shape.column("status").orElseThrow();
        assertThat(status.notNull()).isTrue();
        assertThat(status.hasDefault()).isTrue();
        assertThat(status.defaultExpression()).contains("'new'::text");
        assertThat(shape.column("placed_at").orElseThrow().defaultExpression()).contains("now()");
        assertThat(shape.column("placed_at").orElseThrow().notNull()).isFalse();
        assertThat(shape.column("note").orElseThrow().hasDefault()).isFalse();
        assertThat(shape.column("gone")).isEmpty();
        assertThat(shape.column("ctid")).as("no system columns").isEmpty();
        assertThat(shape.uniqueKeys()).containsExactly(List.of("order_id"));
    }

    @Test
    void namesAreTakenAsTheCatalogSpellsThemAndATableWithoutSchemaIsFoundOnTheSearchPath() throws SQLException {
        LocalPostgres.execute("CREATE TABLE catalog_test.\"Order\" (\"select\" integer, \"Mixed\" text)");
        LocalPostgres.execute("DROP TABLE IF EXISTS public.catalog_test_plain; "
                + "CREATE TABLE public.catalog_test_plain (id bigint)");

        assertThat(read("catalog_test.Order").orElseThrow().columns().keySet()).containsExactly("select", "Mixed");
        assertThat(read("catalog_test.order")).isEmpty();
        assertThat(read("catalog_test_plain").orElseThrow().columns().keySet()).containsExactly("id");
    }

    @Test
    void uniqueKeysArePrimaryKeyThenConstraintsThenPlainUniqueIndexesEachInIndexOrder() throws SQLException {
        LocalPostgres.execute("CREATE TABLE catalog_test.keys (a int PRIMARY KEY, b int, c int, d int, e int, f int,"
                + " g int, h text, CONSTRAINT z_unique_cb UNIQUE (c, b), CONSTRAINT later_g UNIQUE (g) DEFERRABLE)");
        LocalPostgres.execute("CREATE UNIQUE INDEX keys_partial ON catalog_test.keys (d) WHERE d > 0");
        LocalPostgres.execute("CREATE UNIQUE INDEX keys_expression ON catalog_test.keys (lower(h))");
        LocalPostgres.execute("CREATE UNIQUE INDEX keys_ed ON catalog_test.keys (e, d) INCLUDE (f)");
        LocalPostgres.execute("CREATE INDEX keys_not_unique ON catalog_test.keys (h)");

        TableShape shape = read("catalog_test.keys").orElseThrow();

        assertThat(shape.uniqueKeys()).containsExactly(List.of("a"), List.of("c", "b"), List.of("e", "d"));
        assertThat(shape.hasUniqueKey(List.of("a"))).isTrue();
        assertThat(shape.hasUniqueKey(List.of("b", "c"))).as("any order").isTrue();
        assertThat(shape.hasUniqueKey(List.of("d", "e"))).isTrue();
        assertThat(shape.hasUniqueKey(List.of("c"))).as("part of a key").isFalse();
        assertThat(shape.hasUniqueKey(List.of("a", "b"))).as("more than a key").isFalse();
        assertThat(shape.hasUniqueKey(List.of("d"))).as("partial index").isFalse();
        assertThat(shape.hasUniqueKey(List.of("e", "d", "f"))).as("included columns are no key").isFalse();
        assertThat(shape.hasUniqueKey(List.of("g"))).as("deferrable: ON CONFLICT cannot use it").isFalse();
        assertThat(shape.hasUniqueKey(List.of("h"))).isFalse();
    }

    @Test
    void enumsDomainsAndTheirArraysConvertWithWhatTheCatalogSays() throws Exception {
        LocalPostgres.execute("CREATE TYPE catalog_test.order_status AS ENUM ('new', 'paid', 'in transit')");
        LocalPostgres.execute("ALTER TYPE catalog_test.order_status ADD VALUE 'held' BEFORE 'paid'");
        LocalPostgres.execute("CREATE DOMAIN catalog_test.amount AS numeric(5,2) CHECK (VALUE >= 0)");
        LocalPostgres.execute("CREATE DOMAIN catalog_test.positive_amount AS catalog_test.amount CHECK (VALUE > 0)");
        LocalPostgres.execute("CREATE TABLE catalog_test.typed (status catalog_test.order_status,"
                + " history catalog_test.order_status[], price catalog_test.amount, net catalog_test.positive_amount,"
                + " code varchar(2)[])");

        TableShape shape = read("catalog_test.typed").orElseThrow();

        ColumnType status = shape.column("status").orElseThrow().type();
        assertThat(status.formatted()).isEqualTo("catalog_test.order_status");
        assertThat(status.toText(json("\"held\""), EpochUnit.NONE)).isEqualTo("held");
        assertThatThrownBy(() -> status.toText(json("\"HELD\""), EpochUnit.NONE)).hasMessage(
                "a JSON string that is not a label of catalog_test.order_status (new, held, paid, in transit)");
        ColumnType history = shape.column("history").orElseThrow().type();
        assertThat(history.formatted()).isEqualTo("catalog_test.order_status[]");
        assertThat(history.toText(json("[\"new\",\"in transit\"]"), EpochUnit.NONE)).isEqualTo(
                "{\"new\",\"in transit\"}");
        ColumnType price = shape.column("price").orElseThrow().type();
        assertThat(price.formatted()).isEqualTo("catalog_test.amount");
        assertThat(price.toText(json("1.5"), EpochUnit.NONE)).isEqualTo("1.50");
        assertThat(shape.column("net").orElseThrow().type().toText(json("999.99"), EpochUnit.NONE)).isEqualTo(
                "999.99");
        assertThatThrownBy(() -> shape.column("net").orElseThrow().type().toText(json("1000"), EpochUnit.NONE))
                .hasMessage("a JSON number out of the range of catalog_test.positive_amount"
                        + " (a domain over numeric(5,2))");
        assertThatThrownBy(() -> shape.column("code").orElseThrow().type().toText(json("[\"abc\"]"), EpochUnit.NONE))
                .hasMessage("a JSON array whose element at index 0 is a JSON string of 3 characters,"
                        + " longer than character varying(2) holds");
    }

    @Test
    void aColumnOfATypeSteadySinkCannotWriteIsReadAndRefusesEveryValue() throws Exception {
        LocalPostgres.execute("CREATE TABLE catalog_test.odd (id bigint, spot point, span interval year to month,"
                + " cash money, spans interval day to second[], label text)");

        TableShape shape = read("catalog_test.odd").orElseThrow();

        assertThat(shape.columns().keySet()).containsExactly("id", "spot", "span", "cash", "spans", "label");
        for (String name : List.of("spot", "span", "cash", "spans")) {
            ColumnType type = shape.column(name).orElseThrow().type();
            assertThat(type.supported()).as(name).isFalse();
            assertThatThrownBy(() -> type.toText(json("\"x\""), EpochUnit.NONE)).as(name)
                    .isInstanceOf(Unconvertible.class)
                    .hasMessage("steady-sink cannot write type " + type.formatted());
        }
        assertThat(shape.column("spot").orElseThrow().type().formatted()).isEqualTo("point");
        assertThat(shape.column("spans").orElseThrow().type().formatted()).isEqualTo("interval day to second[]");
        assertThat(shape.column("label").orElseThrow().type().supported()).isTrue();
    }

    @Test
    void generatedAndIdentityColumnsHaveADefaultAndOnlyByDefaultIdentityCanBeWritten() throws Exception {
        LocalPostgres.execute("CREATE TABLE catalog_test.generated (id bigint GENERATED ALWAYS AS IDENTITY,"
                + " n integer GENERATED BY DEFAULT AS IDENTITY, x integer, twice integer GENERATED ALWAYS AS (x * 2) STORED)");

        TableShape shape = read("catalog_test.generated").orElseThrow();

        assertThat(shape.columns().values()).filteredOn(column -> !column.name().equals("x"))
                .allMatch(Column::hasDefault);
        assertThat(shape.column("n").orElseThrow().type().toText(json("7"), EpochUnit.NONE)).isEqualTo("7");
        ColumnType id = shape.column("id").orElseThrow().type();
        assertThat(id.supported()).isFalse();
        assertThat(id.formatted()).isEqualTo("bigint");
        assertThatThrownBy(() -> id.toText(json("7"), EpochUnit.NONE)).hasMessage(
                "steady-sink cannot write a column GENERATED ALWAYS AS IDENTITY: PostgreSQL numbers its rows");
        ColumnType twice = shape.column("twice").orElseThrow().type();
        assertThat(twice.supported()).isFalse();
        assertThatThrownBy(() -> twice.toText(json("7"), EpochUnit.NONE)).hasMessage(
                "steady-sink cannot write a generated column: PostgreSQL computes it");
        assertThat(shape.column("twice").orElseThrow().defaultExpression()).contains("(x * 2)");
    }

    private static Optional<TableShape> read(String table) throws SQLException {
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            return TableCatalog.read(connection, QualifiedTable.parse(table));
        }
    }
}
