package io.steadysink.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

class JsonSchemaFormatTest {

    private static final String ORDER = """
            {
              "type": "object",
              "properties": {
                "id": {"type": "string", "format": "uuid"},
                "price": {"type": "number"},
                "quantity": {"type": "integer"},
                "placed": {"type": "string", "format": "date-time"},
                "due": {"type": "string", "format": "date"},
                "note": {"type": ["string", "null"]},
                "lines": {"type": "array", "items": {"$ref": "#/definitions/line"}},
                "payment": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"card": {"type": "string"}}}]},
                "extra": {"type": "object", "additionalProperties": {"type": "boolean"}},
                "meta": {"type": "object"}
              },
              "required": ["id", "price", "placed"],
              "additionalProperties": false,
              "definitions": {
                "line": {
                  "type": "object",
                  "properties": {"sku": {"type": "string"}, "amount": {"type": "number"}},
                  "required": ["sku"]
                }
              }
            }
            """;

    private static final String VALID = """
            {"id": "6f1c2a1e-8a4b-4c1d-9f3e-2b7d5c9a0e11", "price": 12.50, "quantity": 3,
             "placed": "2024-05-01T10:15:30.250Z", "due": "2024-05-31", "note": null,
             "lines": [{"sku": "A-1", "amount": 1.000}], "payment": {"card": "visa"}, "extra": {"gift": true}}""";

    /** As Confluent's KafkaJsonSchemaSerializer writes a record: magic byte 0, the schema id big-endian, the JSON. */
    private static byte[] frame(int schemaId, String json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Reads a framed record as {@link WireFormat#read} does, without a registry. */
    private static JsonNode read(RegisteredSchema schema, byte[] framed) throws RecordUnreadable {
        assertThat(WireFormat.schemaId(framed)).isEqualTo(7);
        return schema.read(ByteBuffer.wrap(framed, WireFormat.HEADER, framed.length - WireFormat.HEADER).slice());
    }

    private static RegisteredSchema order() throws RecordUnreadable {
        return JsonSchemaFormat.parse(ORDER, Map.of());
    }

    private static String withField(String field, String json) {
        return VALID.replaceFirst("\"" + field + "\": (\"[^\"]*\"|[0-9.]+)", "\"" + field + "\": " + json);
    }

    @Test
    void recordMatchingItsSchemaReadsAsItsTreeWithDecimalScaleKept() throws Exception {
        RegisteredSchema schema = order();

        JsonNode tree = read(schema, frame(7, VALID));

        assertThat(schema.format()).isEqualTo(RecordFormat.JSON_SCHEMA);
        assertThat(tree.get("price").decimalValue()).isEqualTo(new BigDecimal("12.50"));
        assertThat(tree.get("price").decimalValue().scale()).isEqualTo(2);
        assertThat(tree.at("/lines/0/amount").decimalValue().toPlainString()).isEqualTo("1.000");
        assertThat(tree.get("quantity").isIntegralNumber()).isTrue();
        assertThat(tree.get("placed").asText()).isEqualTo("2024-05-01T10:15:30.250Z");
        assertThat(tree.get("due").asText()).isEqualTo("2024-05-31");
        assertThat(tree.get("note").isNull()).isTrue();
    }

    @Test
    void valueOfAnotherTypeThanTheSchemaSaysDoesNotMatch() throws Exception {
        RegisteredSchema schema = order();

        assertThatThrownBy(() -> read(schema, frame(7, withField("price", "\"twelve-fifty\""))))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("/price").hasMessageContaining("\"type\"")
                .hasMessageNotContaining("twelve-fifty");
    }

    @Test
    void recordWithoutARequiredPropertyDoesNotMatch() throws Exception {
        RegisteredSchema schema = order();

        assertThatThrownBy(() -> read(schema, frame(7, VALID.replace("\"price\": 12.50,", ""))))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("\"required\"").hasMessageContaining("price is missing");
    }

    @Test
    void propertyAClosedObjectDoesNotDeclareDoesNotMatch() throws Exception {
        RegisteredSchema schema = order();

        assertThatThrownBy(() -> read(schema, frame(7, VALID.replace("{\"id\"", "{\"secret\": 1, \"id\""))))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("\"additionalProperties\"");
    }

    @ParameterizedTest(name = "{0} = {1} under {2}")
    @CsvSource({ //
            "placed, '\"2024-05-01 10:15\"', http://json-schema.org/draft-07/schema#", //
            "placed, '\"2024-13-01T10:15:30Z\"', https://json-schema.org/draft/2019-09/schema", //
            "placed, '\"yesterday\"', https://json-schema.org/draft/2020-12/schema", //
            "id, '\"not-a-uuid\"', http://json-schema.org/draft-07/schema#", //
            "id, '\"6f1c2a1e-8a4b-4c1d-9f3e\"', https://json-schema.org/draft/2020-12/schema", //
            "due, '\"2024-02-30\"', http://json-schema.org/draft-07/schema#", //
            "due, '\"31.05.2024\"', https://json-schema.org/draft/2020-12/schema"})
    void stringThatIsNotTheFormatItsSchemaNamesDoesNotMatch(String field, String value, String dialect)
            throws Exception {
        RegisteredSchema schema = JsonSchemaFormat.parse(
                ORDER.replaceFirst("\\{", "{\"\\$schema\": \"" + dialect + "\","),
                Map.of());
        assertThat(read(schema, frame(7, VALID)).get(field).isTextual()).isTrue();

        assertThatThrownBy(() -> read(schema, frame(7, withField(field, value))))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("/" + field).hasMessageContaining("\"format\"")
                .hasMessageNotContaining(value.replace("\"", ""));
    }

    @Test
    void bodyThatIsNotJsonDoesNotMatchAndItsTextStaysOutOfTheMessage() throws Exception {
        RegisteredSchema schema = order();

        assertThatThrownBy(() -> read(schema, frame(7, "{\"id\": secretvalue}")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("not JSON").hasMessageNotContaining("secretvalue");
        assertThatThrownBy(() -> read(schema, frame(7, VALID + " trailing")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
        assertThatThrownBy(() -> read(schema, frame(7, "")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH));
    }

    private static final String CUSTOMER = """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "home": {"$ref": "address.json"},
                "work": {"$ref": "#/$defs/office"}
              },
              "required": ["name", "home"],
              "$defs": {
                "office": {"type": "object", "properties": {"floor": {"type": "integer"}}, "additionalProperties": false}
              }
            }
            """;

    private static final String ADDRESS = """
            {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
             "required": ["city"]}
            """;

    @Test
    void refToAReferencedSchemaIsResolvedByTheNameTheReferenceGivesIt() throws Exception {
        RegisteredSchema schema = JsonSchemaFormat.parse(CUSTOMER, Map.of("address.json", ADDRESS));

        JsonNode tree = read(schema,
                frame(7, "{\"name\": \"Ada\", \"home\": {\"city\": \"Paris\", \"zip\": \"75001\"}}"));
        assertThat(tree.at("/home/city").asText()).isEqualTo("Paris");

        assertThatThrownBy(() -> read(schema, frame(7, "{\"name\": \"Ada\", \"home\": {\"zip\": \"75001\"}}")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("\"required\"").hasMessageContaining("address.json#");
        assertThatThrownBy(
                () -> read(schema, frame(7, "{\"name\": \"Ada\", \"home\": {\"city\": \"P\", \"zip\": \"1\"}}")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("/home/zip").hasMessageContaining("\"pattern\"");
        assertThat(schema.at(JsonPointer.compile("/home/city")))
                .hasValueSatisfying(f -> assertThat(f.types()).containsExactly(JsonNodeType.STRING));
        assertThat(schema.at(JsonPointer.compile("/home/zip")))
                .hasValueSatisfying(f -> assertThat(f.types()).contains(JsonNodeType.STRING, JsonNodeType.NULL));
    }

    @Test
    void relativeRefResolvesAgainstTheSchemasIdToAReferenceNamedByItsAbsoluteAddress() throws Exception {
        String customer = CUSTOMER.replaceFirst("\\{", "{\"\\$id\": \"https://example.com/schemas/customer.json\",");
        RegisteredSchema schema = JsonSchemaFormat.parse(customer,
                Map.of("https://example.com/schemas/address.json", ADDRESS));

        assertThat(read(schema, frame(7, "{\"name\": \"Ada\", \"home\": {\"city\": \"Paris\"}}")).at("/home/city")
                .asText()).isEqualTo("Paris");
        assertThatThrownBy(() -> read(schema, frame(7, "{\"name\": \"Ada\", \"home\": {}}")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("city is missing");
        assertThat(schema.at(JsonPointer.compile("/home/city")))
                .hasValueSatisfying(f -> assertThat(f.types()).containsExactly(JsonNodeType.STRING));
    }

    @Test
    void refToAReferenceTheRegistryDidNotGiveLeavesTheSchemaUnreadable() {
        assertThatThrownBy(() -> JsonSchemaFormat.parse(CUSTOMER, Map.of()))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.SCHEMA_UNREADABLE));
    }

    @Test
    void localDefsRefIsFollowedByTheValidatorAndByAt() throws Exception {
        RegisteredSchema schema = JsonSchemaFormat.parse(CUSTOMER, Map.of("address.json", ADDRESS));

        assertThat(read(schema, frame(7, "{\"name\": \"A\", \"home\": {\"city\": \"P\"}, \"work\": {\"floor\": 3}}"))
                .at("/work/floor").intValue()).isEqualTo(3);
        assertThatThrownBy(() -> read(schema,
                frame(7, "{\"name\": \"A\", \"home\": {\"city\": \"P\"}, \"work\": {\"floor\": \"third\"}}")))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.DOES_NOT_MATCH))
                .hasMessageContaining("/work/floor").hasMessageContaining("#/$defs/office/properties/floor/type");
        assertThat(schema.at(JsonPointer.compile("/work/floor")))
                .hasValue(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL), "json-schema integer"));
        assertThat(schema.at(JsonPointer.compile("/work/desk"))).isEmpty();
    }

    @Test
    void atDescribesADeclaredPropertyByItsTypeAndFormat() throws Exception {
        RegisteredSchema schema = order();

        assertThat(schema.at(JsonPointer.compile("/placed")))
                .hasValue(new FieldTypes(Set.of(JsonNodeType.STRING), "json-schema string (date-time)"));
        assertThat(schema.at(JsonPointer.compile("/price")))
                .hasValue(new FieldTypes(Set.of(JsonNodeType.NUMBER), "json-schema number"));
        assertThat(schema.at(JsonPointer.compile("/quantity")))
                .as("a property not required may be left out")
                .hasValue(new FieldTypes(Set.of(JsonNodeType.NUMBER, JsonNodeType.NULL), "json-schema integer"));
        assertThat(schema.at(JsonPointer.compile("/note")))
                .hasValue(new FieldTypes(Set.of(JsonNodeType.STRING, JsonNodeType.NULL), "json-schema [string, null]"));
    }

    @Test
    void atIsEmptyForAPropertyAClosedObjectDoesNotDeclare() throws Exception {
        RegisteredSchema schema = order();

        assertThat(schema.at(JsonPointer.compile("/customer"))).isEmpty();
        assertThat(schema.at(JsonPointer.compile("/price/cents"))).as("a number has no properties").isEmpty();
    }

    @Test
    void atIsOpenForAnyPropertyOfAnOpenObject() throws Exception {
        RegisteredSchema schema = order();

        Optional<FieldTypes> anything = schema.at(JsonPointer.compile("/meta/anything"));
        assertThat(anything)
                .hasValueSatisfying(f -> assertThat(f.types()).containsExactlyInAnyOrder(JsonNodeType.values()));
        assertThat(schema.at(JsonPointer.compile("/extra/gift")))
                .as("additionalProperties' schema types the properties it does not name")
                .hasValue(new FieldTypes(Set.of(JsonNodeType.BOOLEAN, JsonNodeType.NULL), "json-schema boolean"));
    }

    @Test
    void atFollowsArrayItemsThroughALocalRef() throws Exception {
        RegisteredSchema schema = order();

        assertThat(schema.at(JsonPointer.compile("/lines/0/sku")))
                .hasValueSatisfying(f -> assertThat(f.described()).isEqualTo("json-schema string"));
        assertThat(schema.at(JsonPointer.compile("/lines/2/amount")))
                .hasValueSatisfying(f -> assertThat(f.types()).contains(JsonNodeType.NUMBER));
        assertThat(schema.at(JsonPointer.compile("/lines/first"))).as("an array has no named members").isEmpty();
        assertThat(schema.at(JsonPointer.compile("/lines/0/colour"))).hasValueSatisfying(
                f -> assertThat(f.types()).containsExactlyInAnyOrder(JsonNodeType.values()));
    }

    @Test
    void atUnitesTheBranchesOfAOneOf() throws Exception {
        RegisteredSchema schema = order();

        assertThat(schema.at(JsonPointer.compile("/payment"))).hasValueSatisfying(f -> {
            assertThat(f.types()).contains(JsonNodeType.STRING, JsonNodeType.OBJECT);
            assertThat(f.described()).isEqualTo("json-schema string or json-schema object");
        });
        assertThat(schema.at(JsonPointer.compile("/payment/card")))
                .as("only the object branch has it")
                .hasValueSatisfying(f -> assertThat(f.types()).contains(JsonNodeType.STRING));
    }

    @Test
    void schemaThatIsNotJsonIsUnreadable() {
        assertThatThrownBy(() -> JsonSchemaFormat.parse("{\"type\": ", Map.of()))
                .isInstanceOfSatisfying(RecordUnreadable.class,
                        e -> assertThat(e.reason()).isEqualTo(RecordUnreadable.Reason.SCHEMA_UNREADABLE));
    }

    @Test
    void registryParsesJsonSchemas() {
        assertThat(SchemaRegistry.defaultParsers()).containsKey(RecordFormat.JSON_SCHEMA);
    }
}
