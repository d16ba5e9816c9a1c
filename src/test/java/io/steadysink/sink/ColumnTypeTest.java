package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.MissingNode;

class ColumnTypeTest {

    @Test
    void jsonNullBecomesSqlNullForEverySupportedType() throws Exception {
        for (String type : List.of("text", "character varying(3)", "character(2)", "smallint", "integer", "bigint",
                "numeric", "numeric(12,2)", "real", "double precision", "boolean", "uuid", "date",
                "time without time zone", "time with time zone", "interval", "timestamp with time zone",
                "timestamp without time zone", "json", "jsonb", "bytea", "text[]", "integer[]")) {
            assertThat(ColumnType.of(type).toText(json("null"), EpochUnit.MILLIS)).as(type).isNull();
            assertThat(ColumnType.of(type).toText(MissingNode.getInstance(), EpochUnit.NONE)).as(type).isNull();
            assertThat(ColumnType.of(type).accepts(JsonNodeType.NULL, EpochUnit.NONE)).as(type).isTrue();
            assertThat(ColumnType.of(type).supported()).as(type).isTrue();
        }
        assertThat(enumType().toText(json("null"), EpochUnit.NONE)).isNull();
    }

    @Test
    void catalogSpellingsAndTheirAliasesNameTheTypeAsPostgresqlFormatsIt() {
        assertThat(ColumnType.of("int4").formatted()).isEqualTo("integer");
        assertThat(ColumnType.of("int8").formatted()).isEqualTo("bigint");
        assertThat(ColumnType.of("varchar(10)").formatted()).isEqualTo("character varying(10)");
        assertThat(ColumnType.of("timestamptz").formatted()).isEqualTo("timestamp with time zone");
        assertThat(ColumnType.of("timestamp(3) with time zone").formatted()).isEqualTo("timestamp(3) with time zone");
        assertThat(ColumnType.of("numeric(12,2)").formatted()).isEqualTo("numeric(12,2)");
        assertThat(ColumnType.of("decimal(12, 2)").formatted()).isEqualTo("numeric(12,2)");
        assertThat(ColumnType.of("int[]").formatted()).isEqualTo("integer[]");
        assertThat(ColumnType.of("character varying(5)[]").formatted()).isEqualTo("character varying(5)[]");
    }

    @Test
    void textTakesJsonStringsOnlyAndKeepsEveryCharacter() throws Exception {
        assertThat(text("text", "\"ключ 😀 tab\\tnew\\nline \\\\ \\\"q\\\"\"")).isEqualTo(
                "ключ 😀 tab\tnew\nline \\ \"q\"");
        assertThat(text("text", "\"\"")).isEmpty();
        assertThat(reason("text", "42")).isEqualTo("a JSON number, but text takes a JSON string");
        assertThat(reason("text", "{\"a\":1}")).isEqualTo("a JSON object, but text takes a JSON string");
        assertThat(reason("text", "true")).isEqualTo("a JSON boolean, but text takes a JSON string");
    }

    @Test
    void textRefusesU0000AndHalfASurrogatePair() {
        assertThat(reason("text", "\"a\\u0000b\""))
                .isEqualTo("a JSON string containing U+0000, which text cannot hold");
        assertThat(reason("character varying(9)", "\"\\u0000\"")).isEqualTo(
                "a JSON string containing U+0000, which character varying(9) cannot hold");
        assertThat(reason("text", "\"a\\ud800b\"")).isEqualTo(
                "a JSON string with half a surrogate pair, which is not Unicode text");
        assertThat(reason("text", "\"\\udc00\"")).isEqualTo(
                "a JSON string with half a surrogate pair, which is not Unicode text");
    }

    @Test
    void varcharAndCharCountCharactersNotBytesOrUtf16Units() throws Exception {
        assertThat(text("character varying(3)", "\"😀é😀\"")).isEqualTo("😀é😀");
        assertThat(text("character(2)", "\"a\"")).isEqualTo("a");
        assertThat(reason("character varying(3)", "\"abcd\"")).isEqualTo(
                "a JSON string of 4 characters, longer than character varying(3) holds");
        assertThat(reason("character(2)", "\"😀😀😀\"")).isEqualTo(
                "a JSON string of 3 characters, longer than character(2) holds");
        assertThat(text("character varying", "\"" + "x".repeat(20_000) + "\"")).hasSize(20_000);
    }

    @Test
    void integerTypesTakeTheirWholeRangeAndNothingBeyond() throws Exception {
        assertThat(text("smallint", "-32768")).isEqualTo("-32768");
        assertThat(text("smallint", "32767")).isEqualTo("32767");
        assertThat(reason("smallint", "32768")).isEqualTo("a JSON number out of the range of smallint");
        assertThat(reason("smallint", "-32769")).isEqualTo("a JSON number out of the range of smallint");
        assertThat(text("integer", "-2147483648")).isEqualTo("-2147483648");
        assertThat(text("integer", "2147483647")).isEqualTo("2147483647");
        assertThat(reason("integer", "2147483648")).isEqualTo("a JSON number out of the range of integer");
        assertThat(text("bigint", "-9223372036854775808")).isEqualTo("-9223372036854775808");
        assertThat(text("bigint", "9223372036854775807")).isEqualTo("9223372036854775807");
        assertThat(reason("bigint", "9223372036854775808")).isEqualTo("a JSON number out of the range of bigint");
        assertThat(reason("bigint", "-9223372036854775809")).isEqualTo("a JSON number out of the range of bigint");
        assertThat(reason("bigint", "1e400")).isEqualTo("a JSON number out of the range of bigint");
        assertThat(reason("bigint", "1e1000000000")).isEqualTo("a JSON number out of the range of bigint");
    }

    @Test
    void integerTypesTakeIntegralNumbersWrittenWithAFractionOrExponentButNoFraction() throws Exception {
        assertThat(text("integer", "1.0")).isEqualTo("1");
        assertThat(text("integer", "-1.000")).isEqualTo("-1");
        assertThat(text("integer", "1e3")).isEqualTo("1000");
        assertThat(text("bigint", "9.223372036854775807E18")).isEqualTo("9223372036854775807");
        assertThat(text("integer", "0e-5")).isEqualTo("0");
        assertThat(reason("integer", "1.5")).isEqualTo("a JSON number with a fraction for an integer column");
        assertThat(reason("smallint", "1e-1")).isEqualTo("a JSON number with a fraction for an integer column");
        assertThat(reason("bigint", "1e-1000000000")).isEqualTo("a JSON number with a fraction for an integer column");
        assertThat(reason("integer", "\"1\"")).isEqualTo("a JSON string, but integer takes an integral JSON number");
        assertThat(reason("bigint", "true")).isEqualTo("a JSON boolean, but bigint takes an integral JSON number");
    }

    @Test
    void numericIsExactBeyondWhatADoubleHolds() throws Exception {
        assertThat(text("numeric", "12345678901234567890.123456789")).isEqualTo("12345678901234567890.123456789");
        assertThat(text("numeric", "0.1")).isEqualTo("0.1");
        assertThat(text("numeric", "1.50")).as("the scale as written").isEqualTo("1.50");
        assertThat(text("numeric", "-0.000")).isEqualTo("0.000");
        assertThat(text("numeric", "1.5e-3")).isEqualTo("0.0015");
        assertThat(text("numeric", "1E5")).isEqualTo("100000");
        assertThat(text("numeric", "123456789012345678901234567890")).isEqualTo("123456789012345678901234567890");
        assertThat(text("numeric", "\"-98765432109876543210.0001\"")).isEqualTo("-98765432109876543210.0001");
        assertThat(text("numeric", "\"2.5e2\"")).isEqualTo("250");
        assertThat(text("numeric", "\"7\"")).isEqualTo("7");
    }

    @Test
    void numericRefusesNaNInfinityAndAnythingButAPlainDecimalNumeral() {
        for (String notANumeral : List.of("NaN", "Infinity", "-Infinity", "inf", "1,5", " 1", "1.", ".5", "+1",
                "0x10", "1e", "")) {
            assertThat(reason("numeric", "\"" + notANumeral + "\"")).as(notANumeral)
                    .isEqualTo("a JSON string that is not a plain decimal numeral");
            assertThat(reason("numeric(12,2)", "\"" + notANumeral + "\"")).as(notANumeral)
                    .isEqualTo("a JSON string that is not a plain decimal numeral");
        }
        assertThat(reason("numeric", "true")).isEqualTo(
                "a JSON boolean, but numeric takes a JSON number or a decimal numeral in a JSON string");
        assertThat(reason("numeric", "1e131072")).isEqualTo("a JSON number out of the range of numeric");
        assertThat(reason("numeric", "1e-16384")).isEqualTo(
                "a JSON number with more fraction digits than numeric keeps");
    }

    @Test
    void numericWithPrecisionAndScaleRefusesRatherThanRounds() throws Exception {
        assertThat(text("numeric(12,2)", "9999999999.99")).isEqualTo("9999999999.99");
        assertThat(text("numeric(12,2)", "-9999999999.99")).isEqualTo("-9999999999.99");
        assertThat(text("numeric(12,2)", "1.5")).isEqualTo("1.50");
        assertThat(text("numeric(12,2)", "1.500")).as("exact: only zeros beyond the scale").isEqualTo("1.50");
        assertThat(text("numeric(12,2)", "12")).isEqualTo("12.00");
        assertThat(text("numeric(12,2)", "0")).isEqualTo("0.00");
        assertThat(text("numeric(3,5)", "0.00999")).isEqualTo("0.00999");
        assertThat(text("numeric(2,-3)", "12000")).isEqualTo("12000");
        assertThat(reason("numeric(12,2)", "10000000000")).isEqualTo("a JSON number out of the range of numeric(12,2)");
        assertThat(reason("numeric(12,2)", "1e400")).isEqualTo("a JSON number out of the range of numeric(12,2)");
        assertThat(reason("numeric(12,2)", "1.234")).isEqualTo(
                "a JSON number with more fraction digits than numeric(12,2) keeps");
        assertThat(reason("numeric(12,2)", "\"0.001\"")).isEqualTo(
                "a JSON string with more fraction digits than numeric(12,2) keeps");
        assertThat(reason("numeric(3,5)", "0.01")).isEqualTo("a JSON number out of the range of numeric(3,5)");
        assertThat(reason("numeric(2,-3)", "12345")).isEqualTo(
                "a JSON number with more fraction digits than numeric(2,-3) keeps");
    }

    @Test
    void realAndDoublePrecisionTakeFiniteNumbersInTheirRange() throws Exception {
        assertThat(text("real", "1.5")).isEqualTo("1.5");
        assertThat(text("real", "42")).isEqualTo("42.0");
        assertThat(text("real", "3.4e38")).isEqualTo("3.4E38");
        assertThat(reason("real", "3.5e38")).isEqualTo("a JSON number out of the range of real");
        assertThat(reason("real", "-1e39")).isEqualTo("a JSON number out of the range of real");
        assertThat(reason("real", "1e-50")).isEqualTo("a JSON number out of the range of real");
        assertThat(text("real", "0")).isEqualTo("0.0");
        assertThat(text("double precision", "1e308")).isEqualTo("1.0E308");
        assertThat(text("double precision", "0.1")).isEqualTo("0.1");
        assertThat(reason("double precision", "1e309")).isEqualTo("a JSON number out of the range of double precision");
        assertThat(reason("double precision", "1e-400")).isEqualTo(
                "a JSON number out of the range of double precision");
        assertThat(reason("double precision", "\"NaN\"")).isEqualTo(
                "a JSON string, but double precision takes a JSON number");
        assertThatThrownBy(() -> ColumnType.of("real").toText(JsonNodeFactory.instance.numberNode(Double.NaN),
                EpochUnit.NONE)).as("a tree built in code").hasMessage("a JSON number that is not finite");
    }

    @Test
    void booleanTakesTrueAndFalseOnly() throws Exception {
        assertThat(text("boolean", "true")).isEqualTo("true");
        assertThat(text("boolean", "false")).isEqualTo("false");
        assertThat(reason("boolean", "\"true\"")).isEqualTo("a JSON string, but boolean takes true or false");
        assertThat(reason("boolean", "1")).isEqualTo("a JSON number, but boolean takes true or false");
    }

    @Test
    void uuidTakesTheCanonicalFormInEitherCaseAndWritesItLowerCase() throws Exception {
        assertThat(text("uuid", "\"0F8FAD5B-D9CB-469F-A165-70867728950E\"")).isEqualTo(
                "0f8fad5b-d9cb-469f-a165-70867728950e");
        for (String notAUuid : List.of("0f8fad5bd9cb469fa16570867728950e", "{0f8fad5b-d9cb-469f-a165-70867728950e}",
                "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950g", "")) {
            assertThat(reason("uuid", "\"" + notAUuid + "\"")).as(notAUuid)
                    .isEqualTo("a JSON string that is not a uuid");
        }
        assertThat(reason("uuid", "42")).isEqualTo("a JSON number, but uuid takes a uuid in a JSON string");
    }

    @Test
    void dateTakesIsoCalendarDatesOfYearsOneTo9999() throws Exception {
        assertThat(text("date", "\"2026-01-02\"")).isEqualTo("2026-01-02");
        assertThat(text("date", "\"2024-02-29\"")).isEqualTo("2024-02-29");
        assertThat(text("date", "\"0001-01-01\"")).isEqualTo("0001-01-01");
        assertThat(reason("date", "\"2026-02-29\""))
                .isEqualTo("a JSON string that is not an ISO-8601 date (yyyy-MM-dd)");
        assertThat(reason("date", "\"2026-1-2\"")).isEqualTo("a JSON string that is not an ISO-8601 date (yyyy-MM-dd)");
        assertThat(reason("date", "\"2026-01-02T00:00:00Z\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 date (yyyy-MM-dd)");
        assertThat(reason("date", "\"+10000-01-01\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 date (yyyy-MM-dd)");
        assertThat(reason("date", "\"0000-12-31\"")).isEqualTo("a JSON string outside the years 1 to 9999");
        assertThat(reason("date", "20260102")).isEqualTo(
                "a JSON number, but date takes an ISO-8601 date (yyyy-MM-dd) in a JSON string");
    }

    @Test
    void timeTakesLocalTimesToTheMicrosecond() throws Exception {
        assertThat(text("time without time zone", "\"03:04\"")).isEqualTo("03:04:00");
        assertThat(text("time without time zone", "\"23:59:59.999999\"")).isEqualTo("23:59:59.999999");
        assertThat(text("time without time zone", "\"00:00:00.5\"")).isEqualTo("00:00:00.5");
        assertThat(text("time without time zone", "\"12:00:00.123456000\"")).isEqualTo("12:00:00.123456");
        assertThat(reason("time without time zone", "\"12:00:00.1234567\"")).isEqualTo(
                "a JSON string more precise than time without time zone keeps");
        assertThat(reason("time(0) without time zone", "\"12:00:00.5\"")).isEqualTo(
                "a JSON string more precise than time(0) without time zone keeps");
        assertThat(reason("time without time zone", "\"12:00:00+01:00\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 time (HH:mm[:ss[.ffffff]])");
        assertThat(reason("time without time zone", "\"24:00:00.000001\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 time (HH:mm[:ss[.ffffff]])");
        assertThat(reason("time without time zone", "\"3:04\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 time (HH:mm[:ss[.ffffff]])");
    }

    @Test
    void timeTakesTheEndOfTheDayAsPostgresqlDoes() throws Exception {
        assertThat(text("time without time zone", "\"24:00\"")).isEqualTo("24:00:00");
        assertThat(text("time(3) without time zone", "\"24:00:00\"")).isEqualTo("24:00:00");
        assertThat(text("time without time zone", "\"24:00:00.000000\"")).isEqualTo("24:00:00");
        assertThat(text("time with time zone", "\"24:00:00Z\"")).isEqualTo("24:00:00+00");
        assertThat(reason("time without time zone", "\"24:01\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 time (HH:mm[:ss[.ffffff]])");
    }

    @Test
    void timeWithTimeZoneTakesIsoTimesWithAnOffsetAndKeepsTheOffset() throws Exception {
        String tz = "time with time zone";
        assertThat(ColumnType.of("timetz").formatted()).isEqualTo(tz);
        assertThat(ColumnType.of("time(3) with time zone").formatted()).isEqualTo("time(3) with time zone");
        assertThat(text(tz, "\"11:45:56Z\"")).isEqualTo("11:45:56+00");
        assertThat(text(tz, "\"17:15:56.123456Z\"")).isEqualTo("17:15:56.123456+00");
        assertThat(text(tz, "\"13:45:56+02:00\"")).isEqualTo("13:45:56+02:00");
        assertThat(text(tz, "\"13:45-03:30\"")).isEqualTo("13:45:00-03:30");
        assertThat(text(tz, "\"13:45:56+05\"")).isEqualTo("13:45:56+05:00");
        assertThat(text(tz, "\"13:45:56+00:00\"")).isEqualTo("13:45:56+00");
        assertThat(reason(tz, "\"13:45:56\"")).isEqualTo(
                "a JSON string without a UTC offset, which time with time zone needs (ambiguous)");
        assertThat(reason(tz, "\"13:45:56+16:00\"")).isEqualTo(
                "a JSON string with a UTC offset beyond ±15:59, which time with time zone cannot hold");
        assertThat(reason(tz, "\"25:00Z\"")).isEqualTo("a JSON string that is not an ISO-8601 time with a UTC"
                + " offset (HH:mm[:ss[.ffffff]]Z or ±HH:mm)");
        assertThat(reason(tz, "\"2026-01-02T13:45:56Z\"")).isEqualTo("a JSON string that is not an ISO-8601 time"
                + " with a UTC offset (HH:mm[:ss[.ffffff]]Z or ±HH:mm)");
        assertThat(reason("time(0) with time zone", "\"13:45:56.5Z\"")).isEqualTo(
                "a JSON string more precise than time(0) with time zone keeps");
        assertThat(reason(tz, "46800")).isEqualTo("a JSON number, but time with time zone takes an ISO-8601 time"
                + " with a UTC offset (HH:mm[:ss[.ffffff]]Z or ±HH:mm) in a JSON string");
    }

    @Test
    void intervalTakesIsoDurationsWithDesignatorsAsMonthsDaysAndSeconds() throws Exception {
        assertThat(ColumnType.of("interval").formatted()).isEqualTo("interval");
        assertThat(ColumnType.of("interval(3)").formatted()).isEqualTo("interval(3)");
        assertThat(text("interval", "\"P0Y1M0DT0H0M0S\"")).isEqualTo("P1M0DT0H0M0S");
        assertThat(text("interval", "\"P0Y-10M3DT-4H-5M-6.789S\"")).isEqualTo("P-10M3DT-4H-5M-6.789S");
        assertThat(text("interval", "\"P1Y2M3W4DT5H6M7.000008S\"")).isEqualTo("P14M25DT5H6M7.000008S");
        assertThat(text("interval", "\"P1D\"")).isEqualTo("P0M1DT0H0M0S");
        assertThat(text("interval", "\"PT-0.5S\"")).isEqualTo("P0M0DT0H0M-0.5S");
        assertThat(text("interval(3)", "\"PT1.123000S\"")).isEqualTo("P0M0DT0H0M1.123S");
        for (String notADuration : List.of("\"P\"", "\"PT\"", "\"P1DT\"", "\"1 day\"", "\"P1.5D\"",
                "\"-P1D\"", "\"PT1H2S3M\"", "\"02:03:04\"")) {
            assertThat(reason("interval", notADuration)).as(notADuration)
                    .isEqualTo("a JSON string that is not an ISO-8601 duration (PnYnMnWnDTnHnMn.nS)");
        }
        assertThat(reason("interval", "\"PT0.0000001S\"")).isEqualTo("a JSON string more precise than interval keeps");
        assertThat(reason("interval(0)", "\"PT0.5S\"")).isEqualTo("a JSON string more precise than interval(0) keeps");
        assertThat(reason("interval", "\"P2147483648D\"")).isEqualTo("a JSON string outside the range of interval");
        assertThat(reason("interval", "\"P178956971Y\"")).isEqualTo("a JSON string outside the range of interval");
        assertThat(reason("interval", "93784000000")).isEqualTo(
                "a JSON number, but interval takes an ISO-8601 duration (PnYnMnWnDTnHnMn.nS) in a JSON string");
    }

    @Test
    void infinityFromAChangeEventsLogicalTypeFitsDatesAndTimestampsOnlyAndTheWordItselfNowhere() throws Exception {
        for (String type : List.of("date", "timestamp without time zone", "timestamp(3) with time zone")) {
            assertThat(ColumnType.of(type).toText(ColumnType.infinity(true), EpochUnit.NONE)).isEqualTo("infinity");
            assertThat(ColumnType.of(type).toText(ColumnType.infinity(false), EpochUnit.MICROS))
                    .isEqualTo("-infinity");
            assertThat(reason(type, "\"infinity\"")).as(type).startsWith("a JSON string that is not");
        }
        assertThat(ColumnType.of("date[]").toText(JsonNodeFactory.instance.arrayNode()
                .add(ColumnType.infinity(false)).addNull(), EpochUnit.NONE)).isEqualTo("{\"-infinity\",NULL}");
        assertThatThrownBy(() -> ColumnType.of("text").toText(ColumnType.infinity(true), EpochUnit.NONE))
                .hasMessage("infinity, which text cannot hold");
        assertThatThrownBy(() -> ColumnType.of("time").toText(ColumnType.infinity(false), EpochUnit.NONE))
                .hasMessage("minus infinity, which time without time zone cannot hold");
        assertThat(ColumnType.of("jsonb").toText(JsonNodeFactory.instance.objectNode()
                .set("at", ColumnType.infinity(true)), EpochUnit.NONE)).isEqualTo("{\"at\":\"infinity\"}");
    }

    @Test
    void timestampWithTimeZoneTakesIsoStringsWithAnOffsetAndWritesUtc() throws Exception {
        String tz = "timestamp with time zone";
        assertThat(text(tz, "\"2026-01-02T03:04:05.123456+02:00\"")).isEqualTo("2026-01-02 01:04:05.123456+00");
        assertThat(text(tz, "\"2026-01-02T03:04:05Z\"")).isEqualTo("2026-01-02 03:04:05+00");
        assertThat(text(tz, "\"2026-01-01T23:30:00-05:30\"")).isEqualTo("2026-01-02 05:00:00+00");
        assertThat(text(tz, "\"2026-01-02T03:04Z\"")).isEqualTo("2026-01-02 03:04:00+00");
        assertThat(text(tz, "\"2026-01-02T03:04:05.100+14:00\"")).isEqualTo("2026-01-01 13:04:05.1+00");
        assertThat(text(tz, "\"1969-12-31T23:59:59.999999Z\"")).isEqualTo("1969-12-31 23:59:59.999999+00");
        assertThat(reason(tz, "\"2026-01-02T03:04:05\"")).isEqualTo(
                "a JSON string without a UTC offset, which timestamp with time zone needs (ambiguous)");
        assertThat(reason(tz, "\"2026-01-02 03:04:05Z\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 date-time with a UTC offset");
        assertThat(reason(tz, "\"0001-01-01T00:30:00+01:00\"")).isEqualTo(
                "a JSON string outside the years 1 to 9999 (in UTC)");
        assertThat(reason(tz, "\"9999-12-31T23:00:00-05:00\"")).isEqualTo(
                "a JSON string outside the years 1 to 9999 (in UTC)");
        assertThat(reason(tz, "\"2026-01-02T03:04:05.0000001Z\"")).isEqualTo(
                "a JSON string more precise than timestamp with time zone keeps");
        assertThat(reason("timestamp(3) with time zone", "\"2026-01-02T03:04:05.1234Z\"")).isEqualTo(
                "a JSON string more precise than timestamp(3) with time zone keeps");
        assertThat(text("timestamp(3) with time zone", "\"2026-01-02T03:04:05.123Z\"")).isEqualTo(
                "2026-01-02 03:04:05.123+00");
    }

    @Test
    void timestampsTakeEpochNumbersOnlyInTheDeclaredUnitIncludingNegativeOnes() throws Exception {
        String tz = "timestamp with time zone";
        assertThat(text(tz, "1700000000.123456", EpochUnit.SECONDS)).isEqualTo("2023-11-14 22:13:20.123456+00");
        assertThat(text(tz, "1700000000", EpochUnit.SECONDS)).isEqualTo("2023-11-14 22:13:20+00");
        assertThat(text(tz, "-1.5", EpochUnit.SECONDS)).isEqualTo("1969-12-31 23:59:58.5+00");
        assertThat(text(tz, "-1", EpochUnit.MILLIS)).isEqualTo("1969-12-31 23:59:59.999+00");
        assertThat(text(tz, "1700000000123", EpochUnit.MILLIS)).isEqualTo("2023-11-14 22:13:20.123+00");
        assertThat(text(tz, "1", EpochUnit.MICROS)).isEqualTo("1970-01-01 00:00:00.000001+00");
        assertThat(text(tz, "-62135596800000000", EpochUnit.MICROS)).isEqualTo("0001-01-01 00:00:00+00");
        assertThat(text("timestamp without time zone", "0", EpochUnit.MILLIS)).isEqualTo("1970-01-01 00:00:00");
        assertThat(reason(tz, "1.5", EpochUnit.MILLIS)).isEqualTo(
                "a JSON number with a fraction, but epoch milliseconds are whole numbers");
        assertThat(reason(tz, "1.5", EpochUnit.MICROS)).isEqualTo(
                "a JSON number with a fraction, but epoch microseconds are whole numbers");
        assertThat(reason(tz, "1.0000001", EpochUnit.SECONDS)).isEqualTo(
                "a JSON number more precise than timestamp with time zone keeps");
        assertThat(reason(tz, "-62135596800001", EpochUnit.MILLIS)).isEqualTo(
                "a JSON number outside the years 1 to 9999 (in UTC)");
        assertThat(reason(tz, "253402300800", EpochUnit.SECONDS)).isEqualTo(
                "a JSON number outside the years 1 to 9999 (in UTC)");
        assertThat(reason(tz, "1e1000000000", EpochUnit.SECONDS)).isEqualTo(
                "a JSON number outside the years 1 to 9999 (in UTC)");
        assertThat(reason(tz, "1700000000", EpochUnit.NONE)).isEqualTo(
                "a JSON number, but timestamp with time zone takes an ISO-8601 date-time with a UTC offset in a JSON string");
        assertThat(reason(tz, "\"1700000000\"", EpochUnit.SECONDS)).isEqualTo(
                "a JSON string that is not an ISO-8601 date-time with a UTC offset");
        assertThat(reason(tz, "true", EpochUnit.SECONDS)).isEqualTo("a JSON boolean, but timestamp with time zone"
                + " takes an ISO-8601 date-time with a UTC offset in a JSON string or epoch seconds as a JSON number");
    }

    @Test
    void timestampWithoutTimeZoneRefusesAnOffsetAsAmbiguous() throws Exception {
        String local = "timestamp without time zone";
        assertThat(text(local, "\"2026-01-02T03:04:05.5\"")).isEqualTo("2026-01-02 03:04:05.5");
        assertThat(reason(local, "\"2026-01-02T03:04:05+02:00\"")).isEqualTo(
                "a JSON string with a UTC offset, which timestamp without time zone cannot keep (ambiguous)");
        assertThat(reason(local, "\"2026-01-02T03:04:05Z\"")).isEqualTo(
                "a JSON string with a UTC offset, which timestamp without time zone cannot keep (ambiguous)");
        assertThat(reason(local, "\"2026-01-02\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 local date-time");
        assertThat(reason(local, "\"10000-01-01T00:00:00\"")).isEqualTo(
                "a JSON string that is not an ISO-8601 local date-time");
        assertThat(reason(local, "\"+10000-01-01T00:00:00\"")).isEqualTo("a JSON string outside the years 1 to 9999");
    }

    @Test
    void jsonAndJsonbTakeAnySubtreeAndKeepNumbersAsWritten() throws Exception {
        String tree = "{\"a\":[1,2.50,\"x\",{\"b\":null}],\"c\":12345678901234567890.123456789,\"ключ\":true}";
        assertThat(text("jsonb", tree)).isEqualTo(tree);
        assertThat(text("json", tree)).isEqualTo(tree);
        assertThat(text("jsonb", "\"just a string\"")).isEqualTo("\"just a string\"");
        assertThat(text("jsonb", "[]")).isEqualTo("[]");
        assertThat(text("jsonb", "-0.5")).isEqualTo("-0.5");
        assertThat(text("json", "{\"a\":\"\\u0000\"}")).as("json keeps the escape").isEqualTo("{\"a\":\"\\u0000\"}");
        for (JsonNodeType type : List.of(JsonNodeType.STRING, JsonNodeType.NUMBER, JsonNodeType.BOOLEAN,
                JsonNodeType.OBJECT, JsonNodeType.ARRAY)) {
            assertThat(ColumnType.of("jsonb").accepts(type, EpochUnit.NONE)).as(type.name()).isTrue();
        }
    }

    @Test
    void jsonbRefusesWhatPostgresqlJsonbCannotHold() {
        assertThat(reason("jsonb", "{\"a\":[\"x\\u0000\"]}")).isEqualTo(
                "a JSON object with U+0000 in a string or name, which jsonb cannot hold");
        assertThat(reason("jsonb", "{\"\\u0000\":1}")).isEqualTo(
                "a JSON object with U+0000 in a string or name, which jsonb cannot hold");
        assertThat(reason("jsonb", "\"\\ud800\"")).isEqualTo(
                "a JSON string with half a surrogate pair, which is not Unicode text");
        assertThat(reason("json", "[\"\\ud800\"]")).isEqualTo(
                "a JSON array with half a surrogate pair, which is not Unicode text");
        assertThat(reason("jsonb", "[1e131072]")).isEqualTo(
                "a JSON array with a number beyond the range of numeric, which jsonb cannot hold");
    }

    @Test
    void arraysBecomeQuotedPostgresqlArrayLiterals() throws Exception {
        assertThat(text("text[]", "[\"a\",\"b\\\"c\",null,\"d\\\\e\",\"NULL\",\"\",\"{x,y}\"]"))
                .isEqualTo("{\"a\",\"b\\\"c\",NULL,\"d\\\\e\",\"NULL\",\"\",\"{x,y}\"}");
        assertThat(text("text[]", "[]")).isEqualTo("{}");
        assertThat(text("integer[]", "[1,-2,null,2147483647]")).isEqualTo("{\"1\",\"-2\",NULL,\"2147483647\"}");
        assertThat(text("bigint[]", "[9223372036854775807]")).isEqualTo("{\"9223372036854775807\"}");
        assertThat(text("smallint[]", "[1.0]")).isEqualTo("{\"1\"}");
        assertThat(text("character varying[]", "[\"ü\"]")).isEqualTo("{\"ü\"}");
    }

    @Test
    void arraysRefuseWrongElementsNamingTheirIndex() {
        assertThat(reason("integer[]", "[1,\"2\"]"))
                .isEqualTo("a JSON array with a string element at index 1 for integer[]");
        assertThat(reason("text[]", "[\"a\",3]")).isEqualTo("a JSON array with a number element at index 1 for text[]");
        assertThat(reason("integer[]", "[[1]]"))
                .isEqualTo("a JSON array with an array element at index 0 for integer[]");
        assertThat(reason("text[]", "[{}]")).isEqualTo("a JSON array with an object element at index 0 for text[]");
        assertThat(reason("smallint[]", "[1,40000]")).isEqualTo(
                "a JSON array whose element at index 1 is a JSON number out of the range of smallint");
        assertThat(reason("bigint[]", "[0.5]")).isEqualTo(
                "a JSON array whose element at index 0 is a JSON number with a fraction for an integer column");
        assertThat(reason("character varying(2)[]", "[\"abc\"]")).isEqualTo(
                "a JSON array whose element at index 0 is a JSON string of 3 characters, longer than character varying(2) holds");
        assertThat(reason("text[]", "[\"\\u0000\"]")).isEqualTo(
                "a JSON array whose element at index 0 is a JSON string containing U+0000, which text cannot hold");
        assertThat(reason("text[]", "\"a\"")).isEqualTo("a JSON string, but text[] takes a JSON array");
    }

    @Test
    void byteaTakesPaddedStandardBase64() throws Exception {
        assertThat(text("bytea", "\"AAEC/w==\"")).isEqualTo("\\x000102ff");
        assertThat(text("bytea", "\"\"")).isEqualTo("\\x");
        assertThat(text("bytea", "\"aGk+Pz8=\"")).isEqualTo("\\x68693e3f3f");
        for (String notBase64 : List.of("AAEC/w", "AAEC_w==", "AAEC-w==", "AA EC", "QR==", "A===", "====")) {
            assertThat(reason("bytea", "\"" + notBase64 + "\"")).as(notBase64)
                    .isEqualTo("a JSON string that is not padded base64 (RFC 4648)");
        }
        assertThat(reason("bytea", "[1,2]")).isEqualTo("a JSON array, but bytea takes base64 in a JSON string");
    }

    @Test
    void enumTakesItsLabelsExactly() throws Exception {
        assertThat(enumType().toText(json("\"paid\""), EpochUnit.NONE)).isEqualTo("paid");
        assertThat(enumType().toText(json("\"in transit\""), EpochUnit.NONE)).isEqualTo("in transit");
        assertThatThrownBy(() -> enumType().toText(json("\"Paid\""), EpochUnit.NONE))
                .isInstanceOf(Unconvertible.class)
                .hasMessage("a JSON string that is not a label of order_status (new, paid, in transit)");
        assertThatThrownBy(() -> enumType().toText(json("1"), EpochUnit.NONE))
                .hasMessage("a JSON number, but order_status takes one of its labels in a JSON string");
        assertThat(ColumnType.arrayOf("order_status[]", enumType()).toText(json("[\"new\",\"paid\"]"), EpochUnit.NONE))
                .isEqualTo("{\"new\",\"paid\"}");
    }

    @Test
    void aDomainConvertsAsItsBaseTypeUnderItsOwnName() throws Exception {
        ColumnType money = ColumnType.domain("amount", ColumnType.of("numeric(5,2)"));
        assertThat(money.formatted()).isEqualTo("amount");
        assertThat(money.supported()).isTrue();
        assertThat(money.toText(json("12.5"), EpochUnit.NONE)).isEqualTo("12.50");
        assertThatThrownBy(() -> money.toText(json("1000"), EpochUnit.NONE))
                .hasMessage("a JSON number out of the range of amount (a domain over numeric(5,2))");
        ColumnType place = ColumnType.domain("place", ColumnType.of("point"));
        assertThat(place.supported()).isFalse();
        assertThatThrownBy(() -> place.toText(json("\"(1,2)\""), EpochUnit.NONE))
                .hasMessage("steady-sink cannot write type place (a domain over point)");
    }

    @Test
    void anUnsupportedTypeRefusesEveryValueNamingTheType() {
        for (String type : List.of("point", "interval year to month", "money", "inet", "tsvector", "bit(3)",
                "interval day to second[]")) {
            ColumnType unsupported = ColumnType.of(type);
            assertThat(unsupported.supported()).as(type).isFalse();
            assertThat(unsupported.formatted()).isEqualTo(type);
            for (String value : List.of("null", "\"x\"", "1", "[1]")) {
                assertThat(reason(type, value)).isEqualTo("steady-sink cannot write type " + type);
            }
            for (JsonNodeType json : JsonNodeType.values()) {
                assertThat(unsupported.accepts(json, EpochUnit.MILLIS)).as(type + " " + json).isFalse();
            }
        }
    }

    @Test
    void acceptsTellsWhetherAJsonTypeCanEverConvert() {
        assertThat(ColumnType.of("uuid").accepts(JsonNodeType.STRING, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("uuid").accepts(JsonNodeType.NUMBER, EpochUnit.MILLIS)).isFalse();
        assertThat(ColumnType.of("bigint").accepts(JsonNodeType.NUMBER, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("bigint").accepts(JsonNodeType.STRING, EpochUnit.NONE)).isFalse();
        assertThat(ColumnType.of("numeric").accepts(JsonNodeType.STRING, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("numeric").accepts(JsonNodeType.NUMBER, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("numeric").accepts(JsonNodeType.OBJECT, EpochUnit.NONE)).isFalse();
        assertThat(ColumnType.of("timestamptz").accepts(JsonNodeType.NUMBER, EpochUnit.NONE)).isFalse();
        assertThat(ColumnType.of("timestamptz").accepts(JsonNodeType.NUMBER, EpochUnit.MILLIS)).isTrue();
        assertThat(ColumnType.of("timestamp").accepts(JsonNodeType.NUMBER, EpochUnit.SECONDS)).isTrue();
        assertThat(ColumnType.of("timestamptz").accepts(JsonNodeType.STRING, EpochUnit.MILLIS)).isTrue();
        assertThat(ColumnType.of("date").accepts(JsonNodeType.NUMBER, EpochUnit.MILLIS)).isFalse();
        assertThat(ColumnType.of("text[]").accepts(JsonNodeType.ARRAY, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("text[]").accepts(JsonNodeType.STRING, EpochUnit.NONE)).isFalse();
        assertThat(ColumnType.of("boolean").accepts(JsonNodeType.BOOLEAN, EpochUnit.NONE)).isTrue();
        assertThat(ColumnType.of("text").accepts(JsonNodeType.MISSING, EpochUnit.NONE)).isTrue();
    }

    @Test
    void aReasonNeverCarriesTheValue() {
        String secret = "S3CR3T";
        for (String[] typeAndValue : new String[][]{{"text", "1"}, {"uuid", "\"" + secret + "\""},
                {"numeric", "\"" + secret + "\""}, {"integer", "\"" + secret + "\""},
                {"character varying(2)", "\"" + secret + "\""}, {"date", "\"" + secret + "\""},
                {"timestamp with time zone", "\"" + secret + "\""}, {"bytea", "\"" + secret + "!\""},
                {"text[]", "[\"a\",{\"" + secret + "\":1}]"}, {"jsonb", "{\"" + secret + "\":\"\\u0000\"}"},
                {"time without time zone", "\"" + secret + "\""}, {"text", "\"" + secret + "\\u0000\""}}) {
            assertThat(reason(typeAndValue[0], typeAndValue[1])).as(typeAndValue[0]).doesNotContain(secret);
        }
    }

    @Test
    void theMapperKeepsNumbersExactAndTheirScale() throws Exception {
        JsonNode number = ColumnType.jsonMapper().readTree("{\"n\":1.10,\"big\":0.1000000000000000055511151231257827}");
        assertThat(number.get("n").decimalValue().toPlainString()).isEqualTo("1.10");
        assertThat(number.get("big").decimalValue().toPlainString()).isEqualTo("0.1000000000000000055511151231257827");
    }

    private static ColumnType enumType() {
        return ColumnType.enumType("order_status", List.of("new", "paid", "in transit"));
    }

    static JsonNode json(String text) {
        try {
            return ColumnType.jsonMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static String text(String type, String json) throws Unconvertible {
        return text(type, json, EpochUnit.NONE);
    }

    private static String text(String type, String json, EpochUnit unit) throws Unconvertible {
        return ColumnType.of(type).toText(json(json), unit);
    }

    private static String reason(String type, String json) {
        return reason(type, json, EpochUnit.NONE);
    }

    private static String reason(String type, String json, EpochUnit unit) {
        try {
            String text = ColumnType.of(type).toText(json(json), unit);
            throw new AssertionError(type + " took " + json + " as " + text);
        } catch (Unconvertible e) {
            return e.getMessage();
        }
    }
}
