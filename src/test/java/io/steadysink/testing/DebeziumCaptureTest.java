package io.steadysink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The change-event harness produces what Debezium's PostgreSQL connector really writes: a source
 * PostgreSQL captured by the connector on Kafka Connect into the test broker, read back from the
 * topics. It also keeps the example events in {@code src/test/resources/debezium/} true: each is
 * compared (volatile fields aside) with the event the connector writes now; run with
 * {@code -Ddebezium.examples.write=true} to write them again.
 */
class DebeziumCaptureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean WRITE_EXAMPLES = Boolean.getBoolean("debezium.examples.write");

    private static DebeziumConnect.Capture cdc;
    private static DebeziumConnect.Capture nanos;
    private static DebeziumConnect.Capture connectTime;
    private static DebeziumConnect.Capture plain;
    private static DebeziumConnect.Capture flat;
    private static DebeziumConnect.Capture flatWithSchemas;
    private static DebeziumConnect.Capture intervalText;

    /** One column type: its SQL type, a literal, and what the connector makes of it. */
    record TypeCase(String name, String sqlType, String literal, String connectType, String schemaName,
            String payloadJson) {
    }

    private static final List<TypeCase> TYPES = List.of(
            new TypeCase("decimal", "numeric(12,2)", "1234.5", "bytes", "org.apache.kafka.connect.data.Decimal",
                    "\"AeI6\""),
            new TypeCase("variable-scale-decimal", "numeric", "3.14159", "struct",
                    "io.debezium.data.VariableScaleDecimal", "{\"scale\":5,\"value\":\"BMsv\"}"),
            new TypeCase("date", "date", "'2024-02-29'", "int32", "io.debezium.time.Date", "19782"),
            new TypeCase("time", "time", "'13:45:56.123456'", "int64", "io.debezium.time.MicroTime", "49556123456"),
            new TypeCase("time-millis", "time(3)", "'13:45:56.123'", "int32", "io.debezium.time.Time", "49556123"),
            new TypeCase("timestamp", "timestamp", "'2024-03-01 12:34:56.789012'", "int64",
                    "io.debezium.time.MicroTimestamp", "1709296496789012"),
            new TypeCase("timestamp-millis", "timestamp(3)", "'2024-03-01 12:34:56.789'", "int64",
                    "io.debezium.time.Timestamp", "1709296496789"),
            new TypeCase("timestamptz", "timestamptz", "'2024-03-01 12:34:56.789012+02'", "string",
                    "io.debezium.time.ZonedTimestamp", "\"2024-03-01T10:34:56.789012Z\""),
            new TypeCase("timetz", "timetz", "'13:45:56+02'", "string", "io.debezium.time.ZonedTime",
                    "\"11:45:56Z\""),
            new TypeCase("interval", "interval", "'1 day 02:03:04'", "int64", "io.debezium.time.MicroDuration",
                    "93784000000"),
            new TypeCase("uuid", "uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "string", "io.debezium.data.Uuid",
                    "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\""),
            new TypeCase("jsonb", "jsonb", "'{\"a\": [1, 2], \"b\": null}'", "string", "io.debezium.data.Json",
                    "\"{\\\"a\\\": [1, 2], \\\"b\\\": null}\""),
            new TypeCase("json", "json", "'{\"b\":  1}'", "string", "io.debezium.data.Json", "\"{\\\"b\\\":  1}\""),
            new TypeCase("enum", "capture.mood", "'happy'", "string", "io.debezium.data.Enum", "\"happy\""),
            new TypeCase("text-array", "text[]", "ARRAY['x', NULL, 'z']", "array", null, "[\"x\",null,\"z\"]"),
            new TypeCase("int-array", "int[]", "ARRAY[1, NULL, 3]", "array", null, "[1,null,3]"),
            new TypeCase("bytea", "bytea", "'\\xdeadbeef'", "bytes", null, "\"3q2+7w==\""),
            new TypeCase("boolean", "boolean", "true", "boolean", null, "true"),
            new TypeCase("bigint", "bigint", "9007199254740993", "int64", null, "9007199254740993"),
            new TypeCase("smallint", "smallint", "7", "int16", null, "7"),
            new TypeCase("integer", "integer", "42", "int32", null, "42"),
            new TypeCase("real", "real", "1.5", "float", null, "1.5"),
            new TypeCase("double", "double precision", "2.25", "double", null, "2.25"),
            new TypeCase("text", "text", "'tab\there, quote \" and é'", "string", null,
                    "\"tab\\there, quote \\\" and é\""),
            new TypeCase("varchar", "varchar(20)", "'short'", "string", null, "\"short\""));

    @BeforeAll
    static void captureTheSourceSchemas() {
        SourcePostgres.execute("CREATE SCHEMA capture", "CREATE SCHEMA capture_time", "CREATE SCHEMA capture_flat",
                "CREATE SCHEMA capture_interval",
                "CREATE TYPE capture.mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TABLE capture_flat.items (id int PRIMARY KEY, amount numeric(12,2) NOT NULL, note text)",
                "INSERT INTO capture_flat.items VALUES (1, 10.5, 'before the capture')");
        // Every operation, truncate included (Debezium skips truncates by default).
        Map<String, String> everything = Map.of("skipped.operations", "none");
        cdc = DebeziumConnect.capture("cdc", "capture", everything);
        nanos = DebeziumConnect.capture("cdc_nanos", "capture_time", Map.of("time.precision.mode", "nanoseconds"));
        connectTime = DebeziumConnect.capture("cdc_connect", "capture_time", Map.of("time.precision.mode", "connect"));
        plain = DebeziumConnect.capture("cdc_plain", "capture_flat", DebeziumConnect.SCHEMALESS);
        Map<String, String> flatSettings = new HashMap<>(DebeziumConnect.SCHEMALESS);
        flatSettings.putAll(DebeziumConnect.UNWRAPPED);
        flat = DebeziumConnect.capture("cdc_flat", "capture_flat", flatSettings);
        flatWithSchemas = DebeziumConnect.capture("cdc_flat_schema", "capture_flat", DebeziumConnect.UNWRAPPED);
        intervalText = DebeziumConnect.capture("cdc_interval", "capture_interval",
                Map.of("interval.handling.mode", "string"));
    }

    @Test
    void everyColumnTypeArrivesWithItsConnectSchemaAndJsonEncoding() {
        for (TypeCase type : TYPES) {
            SourcePostgres.execute("CREATE TABLE capture.t_" + table(type) + " (id int PRIMARY KEY, v "
                    + type.sqlType() + ")",
                    "INSERT INTO capture.t_" + table(type) + " VALUES (1, " + type.literal()
                            + ")");
        }
        SourcePostgres.execute("INSERT INTO capture.t_decimal VALUES (2, -0.05)");

        for (TypeCase type : TYPES) {
            ChangeEvent event = ChangeEvent.read(cdc.topic("capture", "t_" + table(type)), 1).get(0);
            JsonNode schema = event.columnSchema("v");
            assertThat(event.op()).as(type.name()).isEqualTo("c");
            assertThat(schema.path("type").asText()).as(type.name() + " type").isEqualTo(type.connectType());
            assertThat(schema.path("name").asText(null)).as(type.name() + " schema name").isEqualTo(type.schemaName());
            assertThat(event.after().get("v")).as(type.name() + " value").isEqualTo(json(type.payloadJson()));
            example("types/" + type.name(), event);
        }

        ChangeEvent decimal = ChangeEvent.read(cdc.topic("capture", "t_decimal"), 2).get(0);
        assertThat(decimal.columnSchema("v").get("parameters"))
                .isEqualTo(json("{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"}"));
        assertThat(decimalOf(decimal.after().get("v"), 2)).isEqualByComparingTo("1234.50");
        ChangeEvent negative = ChangeEvent.read(cdc.topic("capture", "t_decimal"), 2).get(1);
        assertThat(negative.after().get("v").asText()).isEqualTo("+w==");
        assertThat(decimalOf(negative.after().get("v"), 2)).isEqualByComparingTo("-0.05");
        example("types/decimal-negative", negative);

        ChangeEvent variable = ChangeEvent.read(cdc.topic("capture", "t_variable_scale_decimal"), 1).get(0);
        assertThat(decimalOf(variable.after().get("v").get("value"), variable.after().get("v").get("scale").asInt()))
                .isEqualByComparingTo("3.14159");
        assertThat(ChangeEvent.read(cdc.topic("capture", "t_enum"), 1).get(0).columnSchema("v").get("parameters"))
                .isEqualTo(json("{\"allowed\":\"sad,ok,happy\"}"));
        assertThat(ChangeEvent.read(cdc.topic("capture", "t_text_array"), 1).get(0).columnSchema("v").get("items"))
                .isEqualTo(json("{\"type\":\"string\",\"optional\":true}"));
    }

    @Test
    void temporalTypesFollowTheConnectorsTimePrecisionMode() {
        SourcePostgres.execute("CREATE TABLE capture_time.clock (id int PRIMARY KEY, d date, t time, ts timestamp,"
                + " tstz timestamptz)",
                "INSERT INTO capture_time.clock VALUES (1, '2024-02-29', '13:45:56.123456',"
                        + " '2024-03-01 12:34:56.789012', '2024-03-01 12:34:56.789012+02')");

        ChangeEvent inNanos = ChangeEvent.read(nanos.topic("capture_time", "clock"), 1).get(0);
        assertThat(inNanos.columnSchema("t").path("name").asText()).isEqualTo("io.debezium.time.NanoTime");
        assertThat(inNanos.after().get("t").asLong()).isEqualTo(49_556_123_456_000L);
        assertThat(inNanos.columnSchema("ts").path("name").asText()).isEqualTo("io.debezium.time.NanoTimestamp");
        assertThat(inNanos.after().get("ts").asLong()).isEqualTo(1_709_296_496_789_012_000L);
        assertThat(inNanos.columnSchema("d").path("name").asText()).isEqualTo("io.debezium.time.Date");
        assertThat(inNanos.columnSchema("tstz").path("name").asText()).isEqualTo("io.debezium.time.ZonedTimestamp");
        example("types/nanoseconds-time-precision", inNanos);

        ChangeEvent inConnect = ChangeEvent.read(connectTime.topic("capture_time", "clock"), 1).get(0);
        assertThat(inConnect.columnSchema("d").path("name").asText()).isEqualTo("org.apache.kafka.connect.data.Date");
        assertThat(inConnect.after().get("d").asInt()).isEqualTo(19782);
        assertThat(inConnect.columnSchema("t").path("name").asText()).isEqualTo("org.apache.kafka.connect.data.Time");
        // Connect's Time and Timestamp hold milliseconds: the microseconds are cut off.
        assertThat(inConnect.after().get("t").asLong()).isEqualTo(49_556_123L);
        assertThat(inConnect.columnSchema("ts").path("name").asText())
                .isEqualTo("org.apache.kafka.connect.data.Timestamp");
        assertThat(inConnect.after().get("ts").asLong()).isEqualTo(1_709_296_496_789L);
        example("types/connect-time-precision", inConnect);
    }

    @Test
    void infinityAndTheEndOfTheDayArriveAsTheConnectorEncodesThem() {
        SourcePostgres.execute("CREATE TABLE capture.edges (id int PRIMARY KEY, d date, ts timestamp,"
                + " ts_millis timestamp(3), tstz timestamptz, t time, t_millis time(3), ttz timetz)",
                "INSERT INTO capture.edges VALUES (1, 'infinity', 'infinity', 'infinity', 'infinity', '24:00:00',"
                        + " '24:00:00', '24:00:00+00')",
                "INSERT INTO capture.edges VALUES (2, '-infinity', '-infinity', '-infinity', '-infinity',"
                        + " '00:00:00', '00:00:00', '13:45:56.123456-03:30')");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "edges"), 2);

        JsonNode infinity = events.get(0).after();
        JsonNode minusInfinity = events.get(1).after();
        // Dates: PostgreSQL's infinity days (the int32 extremes) shifted to 1970 wrap around: two values
        // millions of years before any date PostgreSQL can hold, the positive one the smaller.
        assertThat(events.get(0).columnSchema("d").path("name").asText()).isEqualTo("io.debezium.time.Date");
        assertThat(infinity.get("d").asLong()).isEqualTo(-2_147_472_692L);
        assertThat(minusInfinity.get("d").asLong()).isEqualTo(-2_147_472_691L);
        // Timestamps: the JDBC driver's infinity sentinels, in the logical type's unit.
        assertThat(infinity.get("ts").asLong()).isEqualTo(9_223_372_036_825_200_000L);
        assertThat(minusInfinity.get("ts").asLong()).isEqualTo(-9_223_372_036_832_400_000L);
        assertThat(events.get(0).columnSchema("ts_millis").path("name").asText())
                .isEqualTo("io.debezium.time.Timestamp");
        assertThat(infinity.get("ts_millis").asLong()).isEqualTo(9_223_372_036_825_200L);
        assertThat(minusInfinity.get("ts_millis").asLong()).isEqualTo(-9_223_372_036_832_400L);
        assertThat(infinity.get("tstz").asText()).isEqualTo("infinity");
        assertThat(minusInfinity.get("tstz").asText()).isEqualTo("-infinity");
        // 24:00:00 is one whole day of the unit; as timetz it arrives as midnight of the same day.
        assertThat(infinity.get("t").asLong()).isEqualTo(86_400_000_000L);
        assertThat(infinity.get("t_millis").asLong()).isEqualTo(86_400_000L);
        assertThat(events.get(0).columnSchema("ttz").path("name").asText()).isEqualTo("io.debezium.time.ZonedTime");
        assertThat(infinity.get("ttz").asText()).isEqualTo("00:00:00Z");
        assertThat(minusInfinity.get("ttz").asText()).as("timetz in UTC").isEqualTo("17:15:56.123456Z");
        example("types/infinity", events.get(0));
        example("types/minus-infinity", events.get(1));
    }

    @Test
    void intervalsArriveAsMicrosecondsOrWithStringHandlingAsIsoDurations() {
        SourcePostgres.execute("CREATE TABLE capture.durations (id int PRIMARY KEY, v interval)",
                "INSERT INTO capture.durations VALUES (1, '1 mon'), (2, '-1 year 2 mons 3 days -04:05:06.789')",
                "CREATE TABLE capture_interval.durations (id int PRIMARY KEY, v interval)",
                "INSERT INTO capture_interval.durations VALUES (1, '1 mon'),"
                        + " (2, '-1 year 2 mons 3 days -04:05:06.789'), (3, '1 day 02:03:04')");

        List<ChangeEvent> numeric = ChangeEvent.read(cdc.topic("capture", "durations"), 2);
        List<ChangeEvent> text = ChangeEvent.read(intervalText.topic("capture_interval", "durations"), 3);

        // numeric (the default): microseconds, a month counted as 30.4375 days, so months cannot be told back
        assertThat(numeric.get(0).after().get("v").asLong()).isEqualTo(2_629_800_000_000L);
        assertThat(numeric.get(1).after().get("v").asLong()).isEqualTo(-26_053_506_789_000L);
        // string: ISO-8601 with every field, each with its own sign, years and months as PostgreSQL keeps them
        assertThat(text.get(0).columnSchema("v").path("name").asText()).isEqualTo("io.debezium.time.Interval");
        assertThat(text).extracting(event -> event.after().get("v").asText()).containsExactly("P0Y1M0DT0H0M0S",
                "P0Y-10M3DT-4H-5M-6.789S", "P0Y0M1DT2H3M4S");
        example("types/interval-string", text.get(2));
    }

    @Test
    void insertUpdateAndDeleteArriveAsCreateUpdateDeleteAndATombstone() {
        SourcePostgres.execute(
                "CREATE TABLE capture.orders (id int PRIMARY KEY, amount numeric(12,2) NOT NULL, note text)",
                "INSERT INTO capture.orders VALUES (1, 10.5, 'new')",
                "UPDATE capture.orders SET amount = 11, note = 'paid' WHERE id = 1",
                "DELETE FROM capture.orders WHERE id = 1");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "orders"), 4);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "u", "d", null);
        assertThat(events).extracting(event -> event.keyPayload().toString())
                .containsOnly("{\"id\":1}");
        assertThat(events.get(0).before()).isNull();
        assertThat(events.get(0).after()).isEqualTo(json("{\"id\":1,\"amount\":\"BBo=\",\"note\":\"new\"}"));
        // Default replica identity: an update has no before image ...
        assertThat(events.get(1).before()).isNull();
        assertThat(events.get(1).after()).isEqualTo(json("{\"id\":1,\"amount\":\"BEw=\",\"note\":\"paid\"}"));
        // ... and a delete only the key, NOT NULL columns filled with their type's zero.
        assertThat(events.get(2).before()).isEqualTo(json("{\"id\":1,\"amount\":\"AA==\",\"note\":null}"));
        assertThat(events.get(2).after()).isNull();
        assertThat(events.get(3).isTombstone()).isTrue();
        example("shapes/create", events.get(0));
        example("shapes/update", events.get(1));
        example("shapes/delete", events.get(2));
        example("shapes/tombstone", events.get(3));
    }

    @Test
    void withReplicaIdentityFullUpdatesAndDeletesCarryTheWholeOldRow() {
        SourcePostgres.execute(
                "CREATE TABLE capture.full_orders (id int PRIMARY KEY, amount numeric(12,2) NOT NULL, note text)",
                "ALTER TABLE capture.full_orders REPLICA IDENTITY FULL",
                "INSERT INTO capture.full_orders VALUES (1, 10.5, 'new')",
                "UPDATE capture.full_orders SET note = 'paid' WHERE id = 1",
                "DELETE FROM capture.full_orders WHERE id = 1");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "full_orders"), 4);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "u", "d", null);
        assertThat(events.get(1).before()).isEqualTo(json("{\"id\":1,\"amount\":\"BBo=\",\"note\":\"new\"}"));
        assertThat(events.get(2).before()).isEqualTo(json("{\"id\":1,\"amount\":\"BBo=\",\"note\":\"paid\"}"));
        example("shapes/update-replica-identity-full", events.get(1));
        example("shapes/delete-replica-identity-full", events.get(2));
    }

    /** Large values PostgreSQL stores out of line (TOAST): md5 hex of 1, 2, ... gives LZ nothing to compress. */
    private static final String TOASTED_TABLE = """
            (id int PRIMARY KEY, note text, big text, raw bytea, doc jsonb, js json, tags text[], nums int[])""";
    private static final String TOASTED_ROW = "(1, 'new',"
            + " (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i),"
            + " (SELECT decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 128) i),"
            + " (SELECT jsonb_build_object('blob', string_agg(md5(i::text), '')) FROM generate_series(1, 128) i),"
            + " (SELECT json_build_object('blob', string_agg(md5(i::text), '')) FROM generate_series(1, 128) i),"
            + " ARRAY(SELECT md5(i::text) FROM generate_series(1, 128) i),"
            + " ARRAY(SELECT (i * 2654435761 % 2147483647)::int FROM generate_series(1, 1000) i))";

    @Test
    void anUpdateLeavingALargeValueUnchangedCarriesThePlaceholderInsteadOfTheValue() {
        SourcePostgres.execute("CREATE TABLE capture.toasted " + TOASTED_TABLE,
                "INSERT INTO capture.toasted VALUES " + TOASTED_ROW,
                "UPDATE capture.toasted SET note = 'paid' WHERE id = 1",
                "UPDATE capture.toasted SET id = 2 WHERE id = 1",
                "CREATE TABLE capture.toasted_full " + TOASTED_TABLE,
                "ALTER TABLE capture.toasted_full REPLICA IDENTITY FULL",
                "INSERT INTO capture.toasted_full VALUES " + TOASTED_ROW,
                "UPDATE capture.toasted_full SET note = 'paid' WHERE id = 1",
                "UPDATE capture.toasted_full SET id = 2 WHERE id = 1");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "toasted"), 5);
        List<ChangeEvent> full = ChangeEvent.read(cdc.topic("capture", "toasted_full"), 5);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "u", "d", null, "c");
        assertThat(events.get(0).after().get("big").asText()).hasSize(12_800);
        JsonNode update = events.get(1).after();
        assertThat(events.get(1).before()).isNull();
        assertThat(update.get("note").asText()).isEqualTo("paid");
        // Default replica identity: every large value the update did not change is the placeholder,
        // in the column's own Connect type.
        String placeholder = "__debezium_unavailable_value";
        assertThat(update.get("big").asText()).isEqualTo(placeholder);
        assertThat(update.get("doc").asText()).isEqualTo(placeholder); // io.debezium.data.Json, yet no JSON
        assertThat(update.get("js").asText()).isEqualTo(placeholder);
        assertThat(update.get("raw").asText()).isEqualTo(Base64.getEncoder().encodeToString(placeholder.getBytes()));
        assertThat(update.get("tags")).isEqualTo(json("[\"" + placeholder + "\"]"));
        // an int[] holds the placeholder's bytes, one element each
        List<Integer> bytes = placeholder.chars().boxed().toList();
        assertThat(update.get("nums")).isEqualTo(JSON.valueToTree(bytes));
        example("shapes/update-toast-unchanged", events.get(1));
        // A primary-key change: the create under the new key lacks the large values as well.
        ChangeEvent moved = events.get(4);
        assertThat(moved.headers()).containsEntry("__debezium.oldkey", "{\"id\":1}");
        assertThat(moved.after().get("big").asText()).isEqualTo(placeholder);
        assertThat(moved.after().get("tags")).isEqualTo(json("[\"" + placeholder + "\"]"));
        example("shapes/key-change-toast-create", moved);

        // REPLICA IDENTITY FULL: the old row is logged whole, and the connector fills the new row from it.
        assertThat(full).extracting(ChangeEvent::op).containsExactly("c", "u", "d", null, "c");
        ObjectNode expected = full.get(0).after().deepCopy();
        expected.put("note", "paid");
        assertThat(full.get(1).after()).isEqualTo(expected);
        expected.put("id", 2);
        assertThat(full.get(4).after()).as("the create of a primary-key change").isEqualTo(expected);
        assertThat(full.get(1).before()).isEqualTo(full.get(0).after());
        example("shapes/update-toast-replica-identity-full", full.get(1));
    }

    @Test
    void aPrimaryKeyChangeIsADeleteATombstoneAndACreateThatNameTheOtherKey() {
        SourcePostgres.execute("CREATE TABLE capture.keyed (id int PRIMARY KEY, note text)",
                "INSERT INTO capture.keyed VALUES (1, 'one')",
                "UPDATE capture.keyed SET id = 2, note = 'two' WHERE id = 1");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "keyed"), 4);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "d", null, "c");
        assertThat(events).extracting(event -> event.keyPayload().toString())
                .containsExactly("{\"id\":1}", "{\"id\":1}", "{\"id\":1}", "{\"id\":2}");
        assertThat(events.get(1).headers()).containsEntry("__debezium.newkey", "{\"id\":2}");
        assertThat(events.get(2).headers()).containsEntry("__debezium.newkey", "{\"id\":2}");
        assertThat(events.get(3).headers()).containsEntry("__debezium.oldkey", "{\"id\":1}");
        assertThat(events.get(3).after()).isEqualTo(json("{\"id\":2,\"note\":\"two\"}"));
        example("shapes/key-change-delete", events.get(1));
        example("shapes/key-change-tombstone", events.get(2));
        example("shapes/key-change-create", events.get(3));
    }

    @Test
    void aTransactionTouchingTwoTablesGivesEventsOfOneTransactionOnBothTopics() {
        SourcePostgres.execute("CREATE TABLE capture.parents (id int PRIMARY KEY, name text)",
                "CREATE TABLE capture.children (id int PRIMARY KEY, parent_id int REFERENCES capture.parents, name text)");
        SourcePostgres.inTransaction("INSERT INTO capture.parents VALUES (1, 'p')",
                "INSERT INTO capture.children VALUES (10, 1, 'a'), (11, 1, 'b')",
                "UPDATE capture.parents SET name = 'p2' WHERE id = 1");

        List<ChangeEvent> parents = ChangeEvent.read(cdc.topic("capture", "parents"), 2);
        List<ChangeEvent> children = ChangeEvent.read(cdc.topic("capture", "children"), 2);

        List<ChangeEvent> all = new ArrayList<>(parents);
        all.addAll(children);
        assertThat(all).extracting(event -> event.payload().get("source").get("txId").asLong()).hasSize(4)
                .containsOnly(parents.get(0).payload().get("source").get("txId").asLong());
        assertThat(parents).extracting(ChangeEvent::op).containsExactly("c", "u");
        assertThat(children).extracting(event -> event.keyPayload().toString())
                .containsExactly("{\"id\":10}", "{\"id\":11}");
        // The source commit order is in the LSNs, across topics.
        assertThat(lsn(parents.get(0))).isLessThan(lsn(children.get(0)));
        assertThat(lsn(children.get(1))).isLessThan(lsn(parents.get(1)));
    }

    @Test
    void anAddedColumnAppearsInTheSchemaWithTheNextRowChangeOnly() {
        SourcePostgres.execute("CREATE TABLE capture.growing (id int PRIMARY KEY, a text)",
                "INSERT INTO capture.growing VALUES (1, 'a')",
                "ALTER TABLE capture.growing ADD COLUMN b int NOT NULL DEFAULT 5",
                "UPDATE capture.growing SET a = 'a2' WHERE id = 1");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "growing"), 2);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "u");
        assertThat(events.get(0).after()).isEqualTo(json("{\"id\":1,\"a\":\"a\"}"));
        assertThat(events.get(1).after()).isEqualTo(json("{\"id\":1,\"a\":\"a2\",\"b\":5}"));
        assertThat(events.get(1).columnSchema("b")).isEqualTo(
                json("{\"type\":\"int32\",\"optional\":false,\"default\":5,\"field\":\"b\"}"));
        example("shapes/column-added", events.get(1));
    }

    @Test
    void aTruncateArrivesAsOpTWithoutKeyOrRows() {
        SourcePostgres.execute("CREATE TABLE capture.truncated (id int PRIMARY KEY)",
                "INSERT INTO capture.truncated VALUES (1)", "TRUNCATE capture.truncated");

        List<ChangeEvent> events = ChangeEvent.read(cdc.topic("capture", "truncated"), 2);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("c", "t");
        assertThat(events.get(1).keyText()).as(events.get(1).toString()).isNull();
        assertThat(events.get(1).before()).isNull();
        assertThat(events.get(1).after()).isNull();
        example("shapes/truncate", events.get(1));
    }

    @Test
    void rowsCommittedBeforeTheCaptureStartedArriveAsSnapshotReadsAndSchemalessAsPlainJson() {
        SourcePostgres.execute("INSERT INTO capture_flat.items VALUES (2, 20, 'streamed')",
                "DELETE FROM capture_flat.items WHERE id = 2");

        List<ChangeEvent> events = ChangeEvent.read(plain.topic("capture_flat", "items"), 4);

        assertThat(events).extracting(ChangeEvent::op).containsExactly("r", "c", "d", null);
        assertThat(events.get(0).value().has("schema")).isFalse();
        assertThat(events.get(0).key()).isEqualTo(json("{\"id\":1}"));
        assertThat(events.get(0).payload().get("source").get("snapshot").asText()).isIn("true", "first", "last",
                "last_in_data_collection", "first_in_data_collection");
        assertThat(events.get(0).after())
                .isEqualTo(json("{\"id\":1,\"amount\":\"BBo=\",\"note\":\"before the capture\"}"));
        example("shapes/schemaless-snapshot-read", events.get(0));
        example("shapes/schemaless-delete", events.get(2));
    }

    @Test
    void unwrappedEventsAreTheRowItselfAndADeleteIsANullValueNotATombstone() {
        SourcePostgres.execute("CREATE TABLE capture_flat.rows (id int PRIMARY KEY, amount numeric(12,2), note text)",
                "INSERT INTO capture_flat.rows VALUES (3, 30, 'unwrapped')",
                "UPDATE capture_flat.rows SET note = 'changed' WHERE id = 3",
                "DELETE FROM capture_flat.rows WHERE id = 3",
                "INSERT INTO capture_flat.rows VALUES (4, 40, 'after the delete')");

        List<ChangeEvent> schemaless = ChangeEvent.read(flat.topic("capture_flat", "rows"), 4);
        List<ChangeEvent> withSchemas = ChangeEvent.read(flatWithSchemas.topic("capture_flat", "rows"), 4);

        for (List<ChangeEvent> events : List.of(schemaless, withSchemas)) {
            assertThat(events).extracting(event -> event.keyPayload().toString())
                    .containsExactly("{\"id\":3}", "{\"id\":3}", "{\"id\":3}", "{\"id\":4}");
            assertThat(events.get(0).payload())
                    .isEqualTo(json("{\"id\":3,\"amount\":\"C7g=\",\"note\":\"unwrapped\"}"));
            assertThat(events.get(1).payload()).isEqualTo(json("{\"id\":3,\"amount\":\"C7g=\",\"note\":\"changed\"}"));
            // ExtractNewRecordState turns the delete into a null value that keeps its schema, and the
            // converter writes that as JSON: the record has a value, it is no Kafka tombstone. The
            // connector's own tombstone after the delete is dropped.
            assertThat(events).extracting(ChangeEvent::isTombstone).containsOnly(false);
            assertThat(events.get(2).payload().isNull()).as(events.get(2).valueText()).isTrue();
        }
        assertThat(schemaless.get(0).value().has("schema")).isFalse();
        assertThat(schemaless.get(2).valueText()).isEqualTo("null");
        assertThat(withSchemas.get(0).value().get("schema").get("name").asText())
                .isEqualTo("cdc_flat_schema.capture_flat.rows.Value");
        assertThat(withSchemas.get(2).value().get("schema").get("optional").asBoolean()).isTrue();
        example("shapes/unwrapped-schemaless-create", schemaless.get(0));
        example("shapes/unwrapped-schemaless-delete", schemaless.get(2));
        example("shapes/unwrapped-create", withSchemas.get(0));
        example("shapes/unwrapped-delete", withSchemas.get(2));
    }

    @Test
    void aConnectorThatCannotStartIsReportedWithTheConnectorsReason() {
        IllegalStateException refused = catchThrowableOfType(IllegalStateException.class,
                () -> DebeziumConnect.capture("cdc_nowhere", "capture", Map.of("database.dbname", "no_such_db")));

        assertThat(refused).hasMessageContaining("cdc_nowhere").hasMessageContaining("no_such_db");
    }

    private static String table(TypeCase type) {
        return type.name().replace('-', '_');
    }

    private static long lsn(ChangeEvent event) {
        return event.payload().get("source").get("lsn").asLong();
    }

    private static BigDecimal decimalOf(JsonNode base64, int scale) {
        return new BigDecimal(new BigInteger(Base64.getDecoder().decode(base64.asText())), scale);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code event} to {@code src/test/resources/debezium/<name>.json} when examples are being
     * written; otherwise checks that the saved example is the same event, save for what differs in
     * every run (commit times, transaction ids, LSNs, the run id header).
     */
    private static void example(String name, ChangeEvent event) {
        ObjectNode document = event.toJson();
        String resource = "debezium/" + name + ".json";
        try {
            if (WRITE_EXAMPLES) {
                Path file = Path.of("src", "test", "resources").resolve(resource);
                Files.createDirectories(file.getParent());
                Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n");
                return;
            }
            try (InputStream saved = DebeziumCaptureTest.class.getClassLoader().getResourceAsStream(resource)) {
                assertThat(saved).as("example " + resource + " (write it with -Ddebezium.examples.write=true)")
                        .isNotNull();
                assertThat(stable(JSON.readTree(saved))).as(resource).isEqualTo(stable(document));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }

    private static JsonNode stable(JsonNode document) {
        ObjectNode copy = document.deepCopy();
        ((ObjectNode) copy.get("headers")).remove("__debezium.context.runId");
        JsonNode value = copy.get("value");
        if (value != null && !value.isNull()) {
            JsonNode payload = value.has("payload") && value.has("schema") ? value.get("payload") : value;
            if (payload.isObject()) {
                ((ObjectNode) payload).remove(List.of("ts_ms", "ts_us", "ts_ns"));
                if (payload.get("source") instanceof ObjectNode source) {
                    source.remove(List.of("ts_ms", "ts_us", "ts_ns", "txId", "lsn", "sequence", "xmin"));
                }
            }
        }
        return copy;
    }
}
