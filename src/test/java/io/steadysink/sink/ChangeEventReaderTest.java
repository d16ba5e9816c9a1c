package io.steadysink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@link ChangeEventReader} says of every change event what {@link ChangeEvent#of(JsonNode, boolean)}
 * says of its whole JSON tree, while it parses each distinct schema once.
 */
class ChangeEventReaderTest {

    private static final ObjectMapper JSON = ColumnType.jsonMapper();
    private static final Path EXAMPLES = Path.of("src/test/resources/debezium");

    @Test
    void everyDebeziumExampleReadsAsItsWholeTreeDoes() throws IOException {
        List<Path> examples = examples();
        assertTrue(examples.size() >= 40, "examples found: " + examples.size());
        ChangeEventReader reader = new ChangeEventReader();
        int wrapped = 0;
        for (Path example : examples) {
            JsonNode record = JSON.readTree(example.toFile());
            if (record.path("tombstone").asBoolean()) {
                continue; // no bytes: never read
            }
            JsonNode value = record.get("value");
            wrapped += ConnectStruct.isWrapped(value) ? 1 : 0;
            byte[] compact = JSON.writeValueAsBytes(value);
            byte[] pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
            for (boolean truncates : new boolean[]{false, true}) {
                String name = example + (truncates ? " (truncate: allow)" : "");
                assertSameEvent(name, value, truncates, reader, compact);
                assertSameEvent(name + " pretty-printed", value, truncates, reader, pretty);
                assertSameEvent(name + " read twice", value, truncates, reader, compact);
            }
            if (ConnectStruct.isWrapped(value) && value.get("schema").isObject()) {
                ChangeEvent first = readOrNull(reader, compact);
                ChangeEvent again = readOrNull(reader, compact.clone());
                if (first != null && first.row() != null) {
                    assertSame(first.row().schema(), again.row().schema(), example + ": its schema parsed again");
                }
            }
        }
        assertTrue(wrapped >= 35, "examples with schemas: " + wrapped);
    }

    @Test
    void everyDebeziumExampleKeyReadsAsItsWholeTreeDoes() throws IOException {
        ChangeEventReader reader = new ChangeEventReader();
        int keys = 0;
        for (Path example : examples()) {
            JsonNode key = JSON.readTree(example.toFile()).get("key");
            byte[] bytes = key == null || key.isNull() ? null : JSON.writeValueAsBytes(key);
            keys += bytes == null ? 0 : 1;
            ConnectStruct expected = ConnectStruct.unwrap(bytes == null ? null : key);
            for (int round = 0; round < 2; round++) {
                ConnectStruct actual = reader.key(bytes);
                assertEquals(expected.payload(), actual.payload(), example.toString());
                assertEquals(expected.schema(), actual.schema(), example.toString());
                for (Iterator<String> fields = expected.payload().fieldNames(); fields.hasNext();) {
                    String field = fields.next();
                    assertEquals(expected.schemaOf(field), actual.schemaOf(field), example + " " + field);
                    assertEquals(expected.typed("/" + field), actual.typed("/" + field), example + " " + field);
                    assertEquals(struct(expected, "/" + field), struct(actual, "/" + field), example + " " + field);
                }
            }
        }
        assertTrue(keys >= 40, "keys: " + keys);
        assertTrue(reader.cachedKeySchemas() >= 1);
        assertTrue(reader.cachedKeySchemas() <= ChangeEventReader.SCHEMAS);
        assertEquals(ConnectStruct.unwrap(JSON.readTree("{\"id\":7}")).payload(),
                reader.key("{\"id\":7}".getBytes(StandardCharsets.UTF_8)).payload());
        assertThrows(IOException.class, () -> reader.key("{\"id\":".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anEventWhosePayloadComesFirstReadsAsItsWholeTreeDoes() throws IOException {
        JsonNode value = example("types/decimal.json");
        ObjectNode reversed = JSON.createObjectNode();
        reversed.set("payload", value.get("payload"));
        reversed.set("schema", value.get("schema"));
        assertSameEvent("payload before schema", reversed, false, new ChangeEventReader(),
                JSON.writeValueAsBytes(reversed));
    }

    @Test
    void valuesOfOtherShapesReadAsTheirWholeTreeDoes() throws IOException {
        ChangeEventReader reader = new ChangeEventReader();
        String row = "{\"id\":1,\"a\":\"x\"}";
        String schema = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"id\"}]}";
        for (String value : List.of(row, // without schemas
                "{\"schema\":" + schema + ",\"payload\":" + row + ",\"extra\":1}", // a third member: a row
                "{\"schema\":" + schema + ",\"schema\":" + schema + ",\"payload\":" + row + "}", // repeated
                "{\"schema\":null,\"payload\":" + row + "}", // a schema that is no object
                "{\"schema\":" + schema + ",\"payload\":null}", // no payload: a delete
                "{\"schema\":" + schema + "}", "{\"payload\":" + row + "}", "null", "[1]", "\"text\"")) {
            assertSameEvent(value, JSON.readTree(value), false, reader, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aKeptSchemaFollowedByAnythingButOnePayloadReadsAsTheWholeTreeDoes() throws Exception {
        ChangeEventReader reader = new ChangeEventReader();
        JsonNode value = example("shapes/create.json");
        String schema = JSON.writeValueAsString(value.get("schema"));
        String payload = JSON.writeValueAsString(value.get("payload"));
        reader.read(("{\"schema\":" + schema + ",\"payload\":" + payload + "}").getBytes(StandardCharsets.UTF_8),
                false);
        assertEquals(1, reader.cachedSchemas());
        String wrapped = "{\"schema\":" + schema + ",\"payload\":";
        for (String text : List.of(wrapped + payload + "} \n\t", wrapped + " " + payload + " }",
                wrapped + payload + ",\"extra\":1}", wrapped + payload + ",\"payload\":" + payload + "}",
                wrapped + payload + ",\"schema\":" + schema + "}", wrapped + "null}", wrapped + "{}}",
                wrapped + "1}", wrapped + "[1,2]}",
                "{\"schema\":" + schema + " ,\"payload\":" + payload + "}")) {
            assertSameEvent(text, JSON.readTree(text), false, reader, text.getBytes(StandardCharsets.UTF_8));
        }
        for (String notJson : List.of(wrapped + payload + "} x", wrapped + payload + "}}", wrapped + payload,
                wrapped + "}", wrapped + payload + " 1}", wrapped + "{\"id\":}")) {
            byte[] bytes = notJson.getBytes(StandardCharsets.UTF_8);
            IOException expected = assertThrows(IOException.class, () -> JSON.readTree(bytes), notJson);
            IOException actual = assertThrows(IOException.class, () -> reader.read(bytes, false), notJson);
            assertEquals(expected.getMessage(), actual.getMessage(), notJson);
        }
        assertEquals(1, reader.cachedSchemas());
    }

    @Test
    void aPayloadNestedAsDeepAsJsonAllowsIsReadOrRefusedAsTheWholeTreeIs() throws Exception {
        ChangeEventReader reader = new ChangeEventReader();
        String schema = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"field\":\"v\"}]}";
        reader.read(("{\"schema\":" + schema + ",\"payload\":{\"v\":\"x\"}}").getBytes(StandardCharsets.UTF_8), false);
        int limit = JSON.getFactory().streamReadConstraints().getMaxNestingDepth();
        for (int depth = limit - 3; depth <= limit + 1; depth++) {
            String payload = "{\"v\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
            String text = "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            String expected;
            try {
                expected = "read, " + JSON.readTree(bytes).get("payload").toString().length() + " characters";
            } catch (IOException e) {
                expected = "refused: " + e.getMessage();
            }
            String actual;
            try {
                actual = "read, " + reader.read(bytes, false).row().payload().toString().length() + " characters";
            } catch (IOException e) {
                actual = "refused: " + e.getMessage();
            }
            assertEquals(expected, actual, "payload depth " + depth);
        }
    }

    @Test
    void aValueThatIsNotJsonFailsAsTheTreeParseFails() {
        ChangeEventReader reader = new ChangeEventReader();
        String schema = "{\"type\":\"struct\",\"fields\":[]}";
        for (String value : List.of("{\"schema\":" + schema + ",\"payload\":{\"id\":1}} trailing",
                "{\"schema\":" + schema + ",\"payload\":{\"id\":",
                "{\"schema\":" + schema + ",\"payload\":{\"id\":1}}}",
                "not json", "")) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            String expected;
            try {
                JsonNode tree = JSON.readTree(bytes);
                expected = "no failure, " + tree;
            } catch (IOException e) {
                expected = e.getMessage();
            }
            String actual;
            try {
                actual = "no failure, " + reader.read(bytes, false);
            } catch (IOException e) {
                actual = e.getMessage();
            } catch (Unconvertible e) {
                actual = "unconvertible, " + e.getMessage();
            }
            if (expected.startsWith("no failure")) {
                assertTrue(actual.startsWith("no failure") || actual.startsWith("unconvertible"),
                        value + ": " + actual);
            } else {
                assertEquals(expected, actual, value);
            }
        }
    }

    @Test
    void aRepeatedSchemaIsParsedOnceAndItsLookupsShared() throws Exception {
        ChangeEventReader reader = new ChangeEventReader();
        byte[] value = JSON.writeValueAsBytes(example("shapes/create.json"));
        ChangeEvent first = reader.read(value, false);
        ChangeEvent second = reader.read(value.clone(), false);
        assertSame(first.row().schema(), second.row().schema());
        assertSame(first.row().schemaOf("amount"), second.row().schemaOf("amount"));
        assertNotSame(first.row().payload(), second.row().payload());
        assertEquals(1, reader.cachedSchemas());
    }

    @Test
    void aSchemaChangeBetweenTwoEventsOfATableGivesTheNewSchema() throws Exception {
        ChangeEventReader reader = new ChangeEventReader();
        JsonNode added = example("shapes/column-added.json");
        ObjectNode before = added.deepCopy();
        // the same table's event before the source gained the column b
        ObjectNode afterSchema = (ObjectNode) fieldSchema(before.get("schema"), "after");
        removeField(afterSchema, "b");
        removeField((ObjectNode) fieldSchema(before.get("schema"), "before"), "b");
        ((ObjectNode) before.get("payload").get("after")).remove("b");

        ChangeEvent old = reader.read(JSON.writeValueAsBytes(before), false);
        assertNull(old.row().schemaOf("b"));
        assertFalse(old.row().typed("/b"));
        ChangeEvent changed = reader.read(JSON.writeValueAsBytes(added), false);
        assertNotNull(changed.row().schemaOf("b"));
        assertEquals(fieldSchema(fieldSchema(added.get("schema"), "after"), "b"), changed.row().schemaOf("b"));
        assertEquals("5", changed.row().at("/b").asText());
        assertEquals(2, reader.cachedSchemas());
        assertSameEvent("column added", added, false, reader, JSON.writeValueAsBytes(added));
        assertSameEvent("before the column", before, false, reader, JSON.writeValueAsBytes(before));
    }

    @Test
    void schemasOfEqualLengthAreToldApartByTheirBytes() throws Exception {
        ChangeEventReader reader = new ChangeEventReader();
        String two = JSON.writeValueAsString(example("types/decimal.json"));
        String three = two.replace("\"scale\":\"2\"", "\"scale\":\"3\"");
        assertEquals(two.length(), three.length());
        assertFalse(two.equals(three));
        JsonNode asTwo = reader.read(two.getBytes(StandardCharsets.UTF_8), false).row().at("/v");
        JsonNode asThree = reader.read(three.getBytes(StandardCharsets.UTF_8), false).row().at("/v");
        assertEquals("1234.50", asTwo.decimalValue().toPlainString());
        assertEquals("123.450", asThree.decimalValue().toPlainString());
        assertEquals(2, reader.cachedSchemas());
    }

    @Test
    void theCacheKeepsAtMostItsCapacityAndEvictedSchemasAreReadAgain() throws Exception {
        ChangeEventReader reader = new ChangeEventReader(4);
        String template = JSON.writeValueAsString(example("types/decimal.json"));
        List<byte[]> values = new ArrayList<>();
        for (int scale = 0; scale < 10; scale++) {
            values.add(template.replace("\"scale\":\"2\"", "\"scale\":\"" + scale + "\"")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (int round = 0; round < 2; round++) {
            for (int scale = 0; scale < values.size(); scale++) {
                JsonNode v = reader.read(values.get(scale), false).row().at("/v");
                assertEquals(scale, v.decimalValue().scale(), "scale " + scale + ", round " + round);
                assertTrue(reader.cachedSchemas() <= 4, "schemas kept: " + reader.cachedSchemas());
            }
        }
        assertEquals(4, reader.cachedSchemas());
        assertEquals(ChangeEventReader.SCHEMAS, 16);
    }

    /** The reader's event of {@code bytes} equals what the tree of {@code value} gives, field by field. */
    private static void assertSameEvent(String name, JsonNode value, boolean truncates, ChangeEventReader reader,
            byte[] bytes) {
        String expectedFailure = null;
        ChangeEvent expected = null;
        try {
            expected = ChangeEvent.of(value == null ? NullNode.getInstance() : value, truncates);
        } catch (Unconvertible e) {
            expectedFailure = e.getMessage();
        }
        ChangeEvent actual;
        try {
            actual = reader.read(bytes, truncates);
        } catch (Unconvertible e) {
            assertEquals(expectedFailure, e.getMessage(), name);
            return;
        } catch (IOException e) {
            throw new AssertionError(name + ": " + e.getMessage(), e);
        }
        assertNull(expectedFailure, name + ": the tree refuses it, the reader did not");
        assertEquals(expected.delete(), actual.delete(), name);
        assertEquals(expected.truncate(), actual.truncate(), name);
        assertEquals(expected.sourceMillis(), actual.sourceMillis(), name);
        assertEquals(expected.sourceLsn(), actual.sourceLsn(), name);
        if (expected.row() == null) {
            assertNull(actual.row(), name);
            return;
        }
        assertEquals(expected.row().payload(), actual.row().payload(), name);
        assertEquals(expected.row().schema(), actual.row().schema(), name);
        for (Iterator<String> fields = expected.row().payload().fieldNames(); fields.hasNext();) {
            String field = fields.next();
            String pointer = "/" + field.replace("~", "~0").replace("/", "~1");
            assertEquals(expected.row().schemaOf(field), actual.row().schemaOf(field), name + " " + field);
            assertEquals(expected.row().typed(pointer), actual.row().typed(pointer), name + " " + field);
            assertEquals(normalised(expected, pointer), normalised(actual, pointer), name + " " + field);
        }
        assertEquals(normalised(expected, ""), normalised(actual, ""), name);
        assertNull(actual.row().schemaOf("no such field"), name);
    }

    private static ChangeEvent readOrNull(ChangeEventReader reader, byte[] bytes) throws IOException {
        try {
            return reader.read(bytes, true);
        } catch (Unconvertible e) {
            return null;
        }
    }

    private static String normalised(ChangeEvent event, String pointer) {
        return struct(event.row(), pointer);
    }

    private static String struct(ConnectStruct struct, String pointer) {
        try {
            return struct.at(pointer).toString();
        } catch (Unconvertible e) {
            return "unconvertible: " + e.getMessage();
        }
    }

    private static List<Path> examples() throws IOException {
        try (Stream<Path> files = Files.walk(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static JsonNode example(String name) throws IOException {
        return JSON.readTree(EXAMPLES.resolve(name).toFile()).get("value");
    }

    private static JsonNode fieldSchema(JsonNode struct, String field) {
        for (JsonNode f : struct.path("fields")) {
            if (f.path("field").asText().equals(field)) {
                return f;
            }
        }
        throw new AssertionError("no field " + field);
    }

    private static void removeField(ObjectNode struct, String field) {
        ArrayNode fields = (ArrayNode) struct.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (fields.get(i).path("field").asText().equals(field)) {
                fields.remove(i);
            }
        }
    }
}
