package io.steadysink.sink;

import static io.steadysink.sink.ColumnTypeTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.steadysink.config.QualifiedTable;
import io.steadysink.testing.LocalPostgres;

/**
 * What {@link ColumnType#toText} produces for a column read by {@link TableCatalog}, copied in COPY's
 * text format under a session in another time zone and with day-month-year dates, is stored exactly:
 * read back as PostgreSQL prints it, every value is the one the JSON meant (numeric scale kept,
 * instants equal, arrays and escapes intact).
 */
class ColumnTypeAgainstPostgresTest {

    private record Sample(String column, String json, EpochUnit unit, String stored) {
    }

    private static Sample sample(String column, String json, String stored) {
        return new Sample(column, json, EpochUnit.NONE, stored);
    }

    private static final List<Sample> SAMPLES = List.of(
            sample("t", "\"ключ 😀 tab\\tnew\\nline cr\\r back\\\\slash \\\"q\\\"\"",
                    "ключ 😀 tab\tnew\nline cr\r back\\slash \"q\""),
            sample("t", "\"\"", ""),
            sample("t", "\"\\\\N\"", "\\N"),
            sample("vc", "\"😀é😀ab\"", "😀é😀ab"),
            sample("ch", "\"ab\"", "ab"),
            sample("si", "-32768", "-32768"),
            sample("si", "32767", "32767"),
            sample("i", "2147483647", "2147483647"),
            sample("i", "-2147483648", "-2147483648"),
            sample("i", "1e3", "1000"),
            sample("bi", "9223372036854775807", "9223372036854775807"),
            sample("bi", "-9223372036854775808", "-9223372036854775808"),
            sample("n", "12345678901234567890.123456789", "12345678901234567890.123456789"),
            sample("n", "1.50", "1.50"),
            sample("n", "\"-0.000123\"", "-0.000123"),
            sample("n", "1e-5", "0.00001"),
            sample("n", "1e40", "1" + "0".repeat(40)),
            sample("n122", "1.5", "1.50"),
            sample("n122", "-9999999999.99", "-9999999999.99"),
            sample("r", "3.4e38", "3.4e+38"),
            sample("r", "1.5", "1.5"),
            sample("r", "0.1", "0.1"),
            sample("d", "0.1", "0.1"),
            sample("d", "1e308", "1e+308"),
            sample("d", "-2.5e-300", "-2.5e-300"),
            sample("b", "true", "true"),
            sample("b", "false", "false"),
            sample("u", "\"0F8FAD5B-D9CB-469F-A165-70867728950E\"", "0f8fad5b-d9cb-469f-a165-70867728950e"),
            sample("dt", "\"2024-02-29\"", "2024-02-29"),
            sample("dt", "\"0001-01-01\"", "0001-01-01"),
            sample("dt", "\"9999-12-31\"", "9999-12-31"),
            sample("dt", "\"2026-03-04\"", "2026-03-04"),
            sample("tm", "\"23:59:59.999999\"", "23:59:59.999999"),
            sample("tm", "\"03:04\"", "03:04:00"),
            sample("tm", "\"24:00\"", "24:00:00"),
            sample("ttz", "\"13:45:56.5-03:30\"", "13:45:56.5-03:30"),
            sample("ttz", "\"24:00:00Z\"", "24:00:00+00"),
            sample("ttz", "\"00:00:00+15:59\"", "00:00:00+15:59"),
            sample("iv", "\"P0Y-10M3DT-4H-5M-6.789S\"", "-10 mons +3 days -04:05:06.789"),
            sample("iv", "\"P1DT2H3M4S\"", "1 day 02:03:04"),
            sample("iv", "\"P1Y2M3W4DT5H6M7.000008S\"", "1 year 2 mons 25 days 05:06:07.000008"),
            sample("iv", "\"PT-0.5S\"", "-00:00:00.5"),
            sample("iv", "\"P-2147483648M2147483647DT9223372036854.775807S\"",
                    "-178956970 years -8 mons +2147483647 days 2562047788:00:54.775807"),
            sample("tstz", "\"2026-01-02T03:04:05.123456+02:00\"", "2026-01-02 01:04:05.123456+00"),
            sample("tstz", "\"2026-03-04T05:06:07-09:30\"", "2026-03-04 14:36:07+00"),
            sample("tstz", "\"9999-12-31T23:59:59.999999Z\"", "9999-12-31 23:59:59.999999+00"),
            new Sample("tstz", "-1.5", EpochUnit.SECONDS, "1969-12-31 23:59:58.5+00"),
            new Sample("tstz", "1700000000123", EpochUnit.MILLIS, "2023-11-14 22:13:20.123+00"),
            new Sample("tstz", "-62135596800000000", EpochUnit.MICROS, "0001-01-01 00:00:00+00"),
            sample("ts", "\"2026-01-02T03:04:05.5\"", "2026-01-02 03:04:05.5"),
            sample("ts", "\"2026-03-04T05:06:07\"", "2026-03-04 05:06:07"),
            new Sample("ts", "-1", EpochUnit.MILLIS, "1969-12-31 23:59:59.999"),
            sample("tstz3", "\"2026-01-02T03:04:05.123Z\"", "2026-01-02 03:04:05.123+00"),
            sample("j", "{\"a\":[1,2.50],\"z\":\"\\u0000\"}", "{\"a\":[1,2.50],\"z\":\"\\u0000\"}"),
            sample("jb", "{\"ключ\":12345678901234567890.123456789,\"a\":[1,2.50,\"x\\ty\",null]}",
                    "{\"a\": [1, 2.50, \"x\\ty\", null], \"ключ\": 12345678901234567890.123456789}"),
            sample("jb", "\"just text\"", "\"just text\""),
            sample("ta", "[\"a\",\"b\\\"c\",null,\"d\\\\e\",\"NULL\",\"\",\"{x,y}\",\"with space\",\"tab\\t\"]",
                    "{a,\"b\\\"c\",NULL,\"d\\\\e\",\"NULL\",\"\",\"{x,y}\",\"with space\",\"tab\t\"}"),
            sample("ia", "[1,-2,null,2147483647]", "{1,-2,NULL,2147483647}"),
            sample("ba", "[9223372036854775807,-9223372036854775808]", "{9223372036854775807,-9223372036854775808}"),
            sample("sa", "[]", "{}"),
            sample("vca", "[\"ab\",\"é\"]", "{ab,é}"),
            new Sample("tza", "[0,null]", EpochUnit.MILLIS, "{\"1970-01-01 00:00:00+00\",NULL}"),
            sample("by", "\"AAEC/w==\"", "\\x000102ff"),
            sample("by", "\"XA==\"", "\\x5c"),
            sample("st", "\"in transit\"", "in transit"),
            sample("sts", "[\"new\",\"in transit\"]", "{new,\"in transit\"}"),
            sample("amt", "12.5", "12.50"));

    @Test
    void whatToTextProducesIsStoredExactlyWhateverTheSessionsDateStyleAndTimeZone() throws Exception {
        LocalPostgres.execute("DROP SCHEMA IF EXISTS types_round_trip CASCADE; CREATE SCHEMA types_round_trip");
        LocalPostgres.execute("CREATE TYPE types_round_trip.order_status AS ENUM ('new', 'paid', 'in transit')");
        LocalPostgres.execute("CREATE DOMAIN types_round_trip.amount AS numeric(5,2)");
        LocalPostgres.execute("CREATE TABLE types_round_trip.every_type (id integer PRIMARY KEY, t text,"
                + " vc varchar(5), ch char(2), si smallint, i integer, bi bigint, n numeric, n122 numeric(12,2), r real,"
                + " d double precision, b boolean, u uuid, dt date, tm time, ttz timetz, iv interval, tstz timestamptz, ts timestamp,"
                + " tstz3 timestamptz(3), j json, jb jsonb, ta text[], ia integer[], ba bigint[], sa smallint[],"
                + " vca varchar(2)[], tza timestamptz[], by bytea, st types_round_trip.order_status,"
                + " sts types_round_trip.order_status[], amt types_round_trip.amount)");
        QualifiedTable table = QualifiedTable.parse("types_round_trip.every_type");
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            TableShape shape = TableCatalog.read(connection, table).orElseThrow();
            List<String> columns = new ArrayList<>(shape.columns().keySet());
            assertThat(SAMPLES.stream().map(Sample::column).collect(Collectors.toSet()))
                    .as("every column has a sample").hasSize(columns.size() - 1);
            CopyText rows = new CopyText(SAMPLES.size());
            for (int id = 0; id < SAMPLES.size(); id++) {
                Sample sample = SAMPLES.get(id);
                rows.number(id);
                for (String column : columns.subList(1, columns.size())) {
                    rows.text(column.equals(sample.column())
                            ? shape.column(column).orElseThrow().type().toText(json(sample.json()), sample.unit())
                            : null);
                }
                rows.endRow();
            }
            connection.setAutoCommit(false);
            try (Statement session = connection.createStatement()) {
                session.execute("SET DateStyle = 'ISO, DMY'");
                session.execute("SET TimeZone = 'Pacific/Chatham'");
                session.execute("SET IntervalStyle = 'sql_standard'");
            }
            String columnList = columns.stream().map(QualifiedTable::quote).collect(Collectors.joining(", "));
            assertThat(rows.copyInto(connection, table.sql(), columnList)).isEqualTo(SAMPLES.size());
            connection.commit();
            try (Statement session = connection.createStatement()) {
                session.execute("SET DateStyle = 'ISO, MDY'");
                session.execute("SET TimeZone = 'UTC'");
                session.execute("SET IntervalStyle = 'postgres'");
            }
            for (int id = 0; id < SAMPLES.size(); id++) {
                Sample sample = SAMPLES.get(id);
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT " + QualifiedTable.quote(sample.column()) + "::text FROM " + table.sql()
                                + " WHERE id = ?")) {
                    select.setInt(1, id);
                    try (ResultSet stored = select.executeQuery()) {
                        assertThat(stored.next()).isTrue();
                        assertThat(stored.getString(1)).as("%s from %s", sample.column(), sample.json())
                                .isEqualTo(sample.stored());
                    }
                }
            }
        }
    }
}
