package io.steadysink.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import io.steadysink.testing.ConfluentFrames;

/**
 * The demo's Avro order events: the schema registered under {@value #SUBJECT}, each event framed as
 * Confluent's serializer frames it, for the route {@value #ROUTE} of the dev overlay's route file
 * (table {@value #TABLE}, upsert by order id). A uuid, a nested record, a decimal on bytes, a
 * timestamp-millis, an enum and a union with null: what a producer of orders typically sends.
 */
final class AvroOrderEvents {

    static final String TOPIC = "orders-avro";
    /** The subject of Confluent's default naming strategy for the topic's values. */
    static final String SUBJECT = TOPIC + "-value";
    /** The route of the dev overlay's route file that reads {@value #TOPIC}. */
    static final String ROUTE = "orders-avro";
    static final String TABLE = "orders_avro";

    static final String SCHEMA_TEXT = """
            {"type": "record", "name": "OrderEvent", "namespace": "demo.shop", "fields": [
              {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "id", "type": "long"},
                {"name": "name", "type": "string"}]}},
              {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
              {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "status", "type": {"type": "enum", "name": "Status",
                "symbols": ["created", "paid", "packed", "shipped", "delivered"]}},
              {"name": "express", "type": "boolean"},
              {"name": "note", "type": ["null", "string"], "default": null}
            ]}""";

    static final Schema SCHEMA = new Schema.Parser().parse(SCHEMA_TEXT);

    /** The note an express order carries; other orders have none. */
    static final String EXPRESS_NOTE = "express delivery";

    private AvroOrderEvents() {
    }

    /** One order event as the value of a record on {@value #TOPIC}, written with schema {@code schemaId}. */
    static byte[] event(int schemaId, String orderId, long customerId, BigDecimal amount, long placedAtMillis,
            String status, boolean express) {
        GenericData.Record customer = new GenericData.Record(SCHEMA.getField("customer").schema());
        customer.put("id", customerId);
        customer.put("name", customerName(customerId));
        GenericData.Record event = new GenericData.Record(SCHEMA);
        event.put("id", orderId);
        event.put("customer", customer);
        event.put("amount", ByteBuffer.wrap(amount.setScale(2).unscaledValue().toByteArray()));
        event.put("placed_at", placedAtMillis);
        event.put("status", new GenericData.EnumSymbol(SCHEMA.getField("status").schema(), status));
        event.put("express", express);
        event.put("note", express ? EXPRESS_NOTE : null);
        return ConfluentFrames.avro(schemaId, SCHEMA, event);
    }

    static String customerName(long customerId) {
        return "customer " + customerId;
    }

    /**
     * A copy of the route file {@code routes} without the route {@value #ROUTE}, in a temporary file:
     * what the demo runs when there is no schema registry (steady-sink refuses a registry route without
     * one). Comments are not kept.
     */
    @SuppressWarnings("unchecked")
    static Path withoutAvroRoute(Path routes) {
        try {
            Map<String, Object> file = (Map<String, Object>) new Load(LoadSettings.builder().build())
                    .loadFromString(Files.readString(routes));
            ((Map<String, Object>) file.get("routes")).remove(ROUTE);
            Path copy = Files.createTempFile("demo-routes-without-avro", ".yaml");
            copy.toFile().deleteOnExit();
            Files.writeString(copy, new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
                    .dumpToString(file));
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(routes.toString(), e);
        }
    }
}
