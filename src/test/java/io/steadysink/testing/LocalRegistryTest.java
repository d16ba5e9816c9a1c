package io.steadysink.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.steadysink.testing.LocalRegistry.Answer;
import io.steadysink.testing.LocalRegistry.Reference;
import io.steadysink.testing.LocalRegistry.RegistryException;

/**
 * The real schema registry answers its Confluent-compatible API as the application's client
 * expects: ids serve back the schema registered, with its type (absent for Avro), the same schema
 * keeps its id, an incompatible change is refused, an unknown id is 404.
 */
class LocalRegistryTest {

    private static final String ORDER_V1 = """
            {"type":"record","name":"Order","namespace":"shop.test","fields":[\
            {"name":"id","type":"long"},\
            {"name":"note","type":"string"}]}""";

    private static final String ORDER_V2_WITHOUT_DEFAULT = """
            {"type":"record","name":"Order","namespace":"shop.test","fields":[\
            {"name":"id","type":"long"},\
            {"name":"note","type":"string"},\
            {"name":"quantity","type":"int"}]}""";

    private static final String ORDER_V2_WITH_DEFAULT = """
            {"type":"record","name":"Order","namespace":"shop.test","fields":[\
            {"name":"id","type":"long"},\
            {"name":"note","type":"string"},\
            {"name":"quantity","type":"int","default":1}]}""";

    private static final String TIMESTAMPED_PROTO = """
            syntax = "proto3";
            package shop.test;
            import "google/protobuf/timestamp.proto";
            message Placed {
              int64 id = 1;
              google.protobuf.Timestamp at = 2;
            }
            """;

    private static final String MONEY_PROTO = """
            syntax = "proto3";
            package shop.test;
            message Money {
              string currency = 1;
              int64 units = 2;
            }
            """;

    private static final String PRICED_PROTO = """
            syntax = "proto3";
            package shop.test;
            import "shop/test/money.proto";
            message Priced {
              int64 id = 1;
              shop.test.Money price = 2;
            }
            """;

    private static final String ORDER_JSON_SCHEMA = """
            {"$schema":"http://json-schema.org/draft-07/schema#","type":"object",\
            "properties":{"id":{"type":"integer"},"at":{"type":"string","format":"date-time"}},\
            "required":["id"]}""";

    @Test
    void avroSchemaIsServedBackByIdWithItsTextAndNoSchemaType() {
        String subject = subject("orders-value");
        int id = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V1);

        JsonNode served = LocalRegistry.schema(id);
        assertThat(served.path("schema").asText()).isEqualTo(ORDER_V1);
        assertThat(served.has("schemaType")).as("schemaType of an Avro schema: %s", served).isFalse();
        assertThat(served.has("references")).as("references without any: %s", served).isFalse();
        assertThat(LocalRegistry.latestVersion(subject)).isEqualTo(1);
    }

    @Test
    void anAvroSchemaIsServedBackWithoutItsWhitespaceAndOtherwiseAsWritten() {
        String written = """
                {
                  "type": "record", "name": "Priced", "namespace": "shop.test", "doc": "kept",
                  "fields": [
                    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
                    {"name": "note", "type": ["null", "string"], "default": null, "aliases": ["remark"]}
                  ]
                }
                """;
        int id = LocalRegistry.register(subject("priced-value"), LocalRegistry.AVRO, written);

        assertThat(LocalRegistry.schema(id).path("schema").asText()).isEqualTo("""
                {"type":"record","name":"Priced","namespace":"shop.test","doc":"kept","fields":[\
                {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},\
                {"name":"note","type":["null","string"],"default":null,"aliases":["remark"]}]}""");
    }

    @Test
    void protobufSchemaImportingAWellKnownTypeRegistersWithoutReferencesAndIsServedAsProtobuf() {
        int id = LocalRegistry.register(subject("placed-value"), LocalRegistry.PROTOBUF, TIMESTAMPED_PROTO);

        JsonNode served = LocalRegistry.schema(id);
        assertThat(served.path("schemaType").asText()).isEqualTo("PROTOBUF");
        assertThat(served.path("schema").asText()).isEqualTo(TIMESTAMPED_PROTO);
        assertThat(served.has("references")).as("references: %s", served).isFalse();
    }

    @Test
    void protobufSchemaImportingARegisteredOneIsServedWithItsReference() {
        String moneySubject = subject("money");
        LocalRegistry.register(moneySubject, LocalRegistry.PROTOBUF, MONEY_PROTO);
        int moneyVersion = LocalRegistry.latestVersion(moneySubject);

        int id = LocalRegistry.register(subject("priced-value"), LocalRegistry.PROTOBUF, PRICED_PROTO,
                List.of(new Reference("shop/test/money.proto", moneySubject, moneyVersion)));

        JsonNode served = LocalRegistry.schema(id);
        assertThat(served.path("schemaType").asText()).isEqualTo("PROTOBUF");
        assertThat(served.path("references")).hasSize(1);
        JsonNode reference = served.path("references").get(0);
        assertThat(reference.path("name").asText()).isEqualTo("shop/test/money.proto");
        assertThat(reference.path("subject").asText()).isEqualTo(moneySubject);
        assertThat(reference.path("version").asInt()).isEqualTo(moneyVersion);
    }

    @Test
    void jsonSchemaIsServedBackByIdAsJson() {
        int id = LocalRegistry.register(subject("orders-json-value"), LocalRegistry.JSON, ORDER_JSON_SCHEMA);

        JsonNode served = LocalRegistry.schema(id);
        assertThat(served.path("schemaType").asText()).isEqualTo("JSON");
        assertThat(served.path("schema").asText()).isEqualTo(ORDER_JSON_SCHEMA);
    }

    @Test
    void theSameSchemaRegisteredTwiceOrUnderAnotherSubjectKeepsItsId() {
        String subject = subject("orders-value");
        int first = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V1);
        int again = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V1);
        int elsewhere = LocalRegistry.register(subject("other-value"), LocalRegistry.AVRO, ORDER_V1);

        assertThat(again).as("the same schema again").isEqualTo(first);
        assertThat(LocalRegistry.latestVersion(subject)).as("no new version").isEqualTo(1);
        assertThat(elsewhere).as("a schema id names content, whichever subject").isEqualTo(first);
    }

    @Test
    void aBackwardIncompatibleChangeIsRefusedWith409AndACompatibleOneIsTheNextVersion() {
        String subject = subject("orders-value");
        int first = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V1);
        LocalRegistry.setCompatibility(subject, "BACKWARD");

        RegistryException refused = catchThrowableOfType(RegistryException.class,
                () -> LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V2_WITHOUT_DEFAULT));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body()).contains("\"error_code\":409").contains("quantity");

        int second = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V2_WITH_DEFAULT);
        assertThat(second).isNotEqualTo(first);
        assertThat(LocalRegistry.latestVersion(subject)).isEqualTo(2);
    }

    @Test
    void anUnknownIdAnswers404WithErrorCode40403() {
        Answer answer = LocalRegistry.get("/schemas/ids/" + Integer.MAX_VALUE);

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body().path("error_code").asInt()).as("%s", answer.body()).isEqualTo(40403);
    }

    @Test
    void anIdsVersionsNameEverySubjectAndVersionItIsRegisteredAs() {
        String subject = subject("orders-value");
        String other = subject("other-value");
        LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V1);
        int id = LocalRegistry.register(subject, LocalRegistry.AVRO, ORDER_V2_WITH_DEFAULT);
        LocalRegistry.register(other, LocalRegistry.AVRO, ORDER_V2_WITH_DEFAULT);

        Answer answer = LocalRegistry.get("/schemas/ids/" + id + "/versions");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().toString()).contains(
                "{\"subject\":\"" + subject + "\",\"version\":2}",
                "{\"subject\":\"" + other + "\",\"version\":1}");
    }

    @Test
    void theRegistryBehindAClosedGateIsUnreachableAndAnsweredOnceItOpens() throws Exception {
        int id = LocalRegistry.register(subject("orders-value"), LocalRegistry.AVRO, ORDER_V1);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        try (TcpGate gate = LocalRegistry.gate()) {
            HttpRequest byId = HttpRequest.newBuilder(URI.create(LocalRegistry.url(gate.port()) + "/schemas/ids/" + id))
                    .build();

            assertThat(catchThrowableOfType(IOException.class,
                    () -> http.send(byId, HttpResponse.BodyHandlers.ofString())))
                    .isInstanceOf(ConnectException.class);

            gate.open();
            HttpResponse<String> answered = http.send(byId, HttpResponse.BodyHandlers.ofString());
            assertThat(answered.statusCode()).isEqualTo(200);
            assertThat(answered.body()).contains("Order");
        }
    }

    /** A subject of its own for each use: the registry is shared by every test of the JVM. */
    private static String subject(String name) {
        return "local-registry-test-" + UUID.randomUUID().toString().substring(0, 8) + "-" + name;
    }
}
