package io.steadysink.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.steadysink.testing.AvroOrders;
import io.steadysink.testing.ConfluentFrames;
import io.steadysink.testing.LocalRegistry;
import io.steadysink.testing.TcpGate;

/** The registry client against a real registry (Apicurio Registry's Confluent-compatible API). */
class SchemaRegistryTest {

    private static SchemaRegistry client(String url) {
        return new SchemaRegistry(URI.create(url), Optional.empty(), Optional.empty(), Duration.ofSeconds(2));
    }

    @Test
    void aSchemaReadOnceIsServedFromMemoryWhileTheRegistryIsAway() throws Exception {
        int id = LocalRegistry.register("client-cached-value", LocalRegistry.AVRO, AvroOrders.SCHEMA);
        byte[] record = ConfluentFrames.avro(id, AvroOrders.parse(AvroOrders.SCHEMA),
                AvroOrders.order(AvroOrders.parse(AvroOrders.SCHEMA), 1));
        try (TcpGate gate = LocalRegistry.gate().open()) {
            WireFormat wire = new WireFormat(client(LocalRegistry.url(gate.port())));
            assertThat(wire.read(record, RecordFormat.AVRO).tree().get("qty").intValue()).isEqualTo(1);

            gate.close();

            assertThat(wire.read(record, RecordFormat.AVRO).schemaId()).isEqualTo(id);
            int other = LocalRegistry.register("client-cached-value", LocalRegistry.AVRO,
                    AvroOrders.SCHEMA_WITH_COUPON);
            assertThatThrownBy(() -> wire.registry().schema(other)).isInstanceOf(RegistryUnavailable.class)
                    .hasMessageContaining("did not answer for schema id " + other);
        }
    }

    @Test
    void anUnknownIdIsAnUnknownSchemaAndAnsweredFromMemoryForAWhile() throws Exception {
        try (TcpGate gate = LocalRegistry.gate().open()) {
            SchemaRegistry registry = client(LocalRegistry.url(gate.port()));

            assertThatThrownBy(() -> registry.schema(876_543)).isInstanceOf(RecordUnreadable.class)
                    .hasMessageContaining("has no schema id 876543")
                    .extracting(e -> ((RecordUnreadable) e).reason()).isEqualTo(RecordUnreadable.Reason.UNKNOWN_SCHEMA);
            gate.close();
            assertThatThrownBy(() -> registry.schema(876_543))
                    .as("not asked again within " + SchemaRegistry.UNKNOWN_KEPT)
                    .isInstanceOf(RecordUnreadable.class);
        }
    }

    @Test
    void aSchemaIsNamedByItsSubjectAndVersionAndItsReferencesResolve() throws Exception {
        String address = """
                {"type": "record", "name": "Address", "namespace": "client", "fields": [
                  {"name": "city", "type": "string"}]}""";
        LocalRegistry.register("client-address", LocalRegistry.AVRO, address);
        int id = LocalRegistry.register("client-shipment-value", LocalRegistry.AVRO, """
                {"type": "record", "name": "Shipment", "namespace": "client", "fields": [
                  {"name": "to", "type": "client.Address"}]}""",
                List.of(new LocalRegistry.Reference("client.Address", "client-address",
                        LocalRegistry.latestVersion("client-address"))));
        SchemaRegistry registry = client(LocalRegistry.url());

        RegisteredSchema shipment = registry.schema(id);

        assertThat(shipment.read(ByteBuffer.wrap(new byte[]{6, 'R', 'i', 'o'})).at("/to/city").textValue())
                .isEqualTo("Rio");
        assertThat(registry.describe(id)).isEqualTo("subject client-shipment-value version "
                + LocalRegistry.latestVersion("client-shipment-value") + " (schema id " + id + ")");
    }

    @Test
    void refusedCredentialsAreAccessDeniedAndServerErrorsAreUnavailable() throws Exception {
        AtomicInteger status = new AtomicInteger(401);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "{\"error_code\": 0}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            SchemaRegistry registry = new SchemaRegistry(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                    Optional.of("sink"), Optional.of("secret"), Duration.ofSeconds(2));

            assertThatThrownBy(() -> registry.schema(1)).isInstanceOf(SchemaRegistry.AccessDenied.class)
                    .hasMessageContaining("HTTP 401").hasMessageNotContaining("secret");
            status.set(503);
            assertThatThrownBy(() -> registry.schema(1)).isInstanceOf(RegistryUnavailable.class)
                    .hasMessageContaining("HTTP 503");
        } finally {
            server.stop(0);
        }
    }
}
