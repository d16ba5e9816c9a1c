package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The column type a field's Connect schema gives a column that {@code schema-changes: add} creates,
 * for every type Debezium's PostgreSQL connector really wrote (the examples under
 * {@code src/test/resources/debezium/types/}): the type the source column has where the event says
 * enough, none where it would be a guess.
 */
class ConnectSqlTypeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyTypeDebeziumWroteGetsTheColumnTypeOfItsSourceOrNoneWhereThatWouldBeAGuess() throws IOException {
        Map<String, Optional<String>> expected = new LinkedHashMap<>();
        expected.put("bigint/v", Optional.of("bigint"));
        expected.put("boolean/v", Optional.of("boolean"));
        expected.put("bytea/v", Optional.of("bytea"));
        expected.put("date/v", Optional.of("date"));
        expected.put("decimal/v", Optional.of("numeric(12,2)"));
        expected.put("decimal-negative/v", Optional.of("numeric(12,2)"));
        expected.put("double/v", Optional.of("double precision"));
        expected.put("enum/v", Optional.of("text"));
        expected.put("int-array/v", Optional.of("integer[]"));
        expected.put("integer/v", Optional.of("integer"));
        expected.put("json/v", Optional.of("jsonb"));
        expected.put("jsonb/v", Optional.of("jsonb"));
        expected.put("real/v", Optional.of("real"));
        expected.put("smallint/v", Optional.of("smallint"));
        expected.put("text/v", Optional.of("text"));
        expected.put("text-array/v", Optional.of("text[]"));
        expected.put("time/v", Optional.of("time"));
        expected.put("time-millis/v", Optional.of("time(3)"));
        expected.put("timestamp/v", Optional.of("timestamp"));
        expected.put("timestamp-millis/v", Optional.of("timestamp(3)"));
        expected.put("timestamptz/v", Optional.of("timestamptz"));
        expected.put("uuid/v", Optional.of("uuid"));
        expected.put("varchar/v", Optional.of("text"));
        expected.put("variable-scale-decimal/v", Optional.of("numeric"));
        expected.put("connect-time-precision/d", Optional.of("date"));
        expected.put("connect-time-precision/t", Optional.of("time(3)"));
        expected.put("connect-time-precision/ts", Optional.of("timestamp(3)"));
        expected.put("connect-time-precision/tstz", Optional.of("timestamptz"));
        expected.put("nanoseconds-time-precision/t", Optional.of("time"));
        expected.put("nanoseconds-time-precision/ts", Optional.of("timestamp"));
        expected.put("timetz/v", Optional.of("timetz"));
        expected.put("interval/v", Optional.of("interval"));
        expected.put("interval-string/v", Optional.of("interval"));
        expected.put("infinity/d", Optional.of("date"));
        expected.put("infinity/ttz", Optional.of("timetz"));

        Map<String, Optional<String>> derived = new LinkedHashMap<>();
        for (String example : expected.keySet()) {
            String[] parts = example.split("/");
            derived.put(example, ConnectSqlType.of(afterField(parts[0], parts[1])));
        }

        assertThat(derived).containsExactlyEntriesOf(expected);
        derived.values().forEach(type -> type
                .ifPresent(sql -> assertThat(ColumnType.of(sql).supported()).as(sql + " is written").isTrue()));
    }

    @Test
    void aDecimalWithoutPrecisionIsNumericAndNoSchemaOrANestedArrayHasNoType() throws IOException {
        assertThat(ConnectSqlType.of(JSON.readTree("""
                {"type":"bytes","name":"org.apache.kafka.connect.data.Decimal","parameters":{"scale":"3"}}""")))
                .contains("numeric");
        assertThat(ConnectSqlType.of(null)).isEmpty();
        assertThat(ConnectSqlType.of(JSON.readTree("""
                {"type":"array","items":{"type":"array","items":{"type":"int32"}}}"""))).isEmpty();
        assertThat(ConnectSqlType.of(JSON.readTree("""
                {"type":"map","keys":{"type":"string"},"values":{"type":"string"}}"""))).isEmpty();
    }

    /** The schema of field {@code field} of {@code after} in the example {@code types/<name>.json}. */
    private static JsonNode afterField(String name, String field) throws IOException {
        try (InputStream in = ConnectSqlTypeTest.class.getResourceAsStream("/debezium/types/" + name + ".json")) {
            JsonNode value = JSON.readTree(in).get("value");
            for (JsonNode envelopeField : value.path("schema").path("fields")) {
                if (envelopeField.path("field").asText().equals("after")) {
                    for (JsonNode rowField : envelopeField.path("fields")) {
                        if (rowField.path("field").asText().equals(field)) {
                            return rowField;
                        }
                    }
                }
            }
        }
        throw new AssertionError("no field " + field + " in debezium/types/" + name + ".json");
    }
}
