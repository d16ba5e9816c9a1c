package io.steadysink.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/**
 * Two topics routed into three user tables of typed columns by a route file: one topic fans out
 * into an upsert table and an append log in the same transaction.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
@TestProfile(RoutedTablesTest.Routes.class)
class RoutedTablesTest extends SinkUnderTest {

    static final String GROUP = "steady-sink-routes";
    static final String ORDERS = "routed-orders";
    static final String CUSTOMERS = "routed-customers";
    static final String DLQ = "routed-dlq";

    public static class Routes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            LocalKafka.createTopic(ORDERS, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(CUSTOMERS, SinkInfrastructure.PARTITIONS);
            LocalKafka.createTopic(DLQ, 1);
            LocalPostgres.execute(
                    """
                            DROP TABLE IF EXISTS routed_orders, routed_order_events, routes.customers;
                            DROP TYPE IF EXISTS routed_status;
                            CREATE TYPE routed_status AS ENUM ('placed', 'paid', 'shipped');
                            CREATE SCHEMA IF NOT EXISTS routes;
                            CREATE TABLE routed_orders (order_id uuid PRIMARY KEY, customer_id bigint NOT NULL,
                                amount numeric(12,2), placed_at timestamptz, status routed_status, tags text[],
                                extra jsonb, source text NOT NULL DEFAULT 'kafka',
                                kafka_topic text, kafka_partition integer, kafka_offset bigint);
                            CREATE TABLE routed_order_events (kafka_topic text NOT NULL, kafka_partition integer NOT NULL,
                                kafka_offset bigint NOT NULL, order_id uuid, event_time timestamptz, trace text, payload jsonb,
                                UNIQUE (kafka_topic, kafka_partition, kafka_offset));
                            CREATE TABLE routes.customers (id bigint PRIMARY KEY, name text NOT NULL, deleted boolean NOT NULL DEFAULT false,
                                kafka_topic text, kafka_partition integer, kafka_offset bigint);
                            """);
            Path file = RouteFixture.routeFile("""
                    routes:
                      orders:
                        topics: [%s]
                        table: routed_orders
                        mode: upsert
                        identity: [order_id]
                        columns:
                          order_id: key
                          customer_id: /customer/id
                          amount: /amount
                          placed_at: /placed_at
                          status: /status
                          tags: /tags
                          extra: rest
                        epoch-units:
                          placed_at: millis
                      order-events:
                        topics: [%s]
                        table: routed_order_events
                        columns:
                          kafka_topic: kafka:topic
                          kafka_partition: kafka:partition
                          kafka_offset: kafka:offset
                          order_id: key
                          event_time: kafka:timestamp
                          trace: header:trace-id
                          payload: value
                      customers:
                        topics: [%s]
                        table: routes.customers
                        mode: upsert
                        identity: [id]
                        tombstones: mark
                        deleted-column: deleted
                        columns:
                          id: key:/id
                          name: /name
                    """.formatted(ORDERS, ORDERS, CUSTOMERS));
            return Map.of("sink.routes-file", file.toString(), "sink.topics", "", "sink.group-id", GROUP,
                    "sink.dlq-topic", DLQ);
        }
    }

    private static final String ORDER_1 = "00000000-0000-0000-0000-000000000001";
    private static final String ORDER_2 = "00000000-0000-0000-0000-000000000002";

    @Test
    void recordsLandAsTypedRowsInEveryRoutedTableAndPoisonRecordsNameTheirRoute() throws Exception {
        List<ProducerRecord<String, String>> orders = new ArrayList<>();
        orders.add(order(ORDER_1, "{\"customer\":{\"id\":7},\"amount\":\"12.50\",\"placed_at\":1767225600000,"
                + "\"status\":\"placed\",\"tags\":[\"a\",\"b\"],\"note\":\"first\"}"));
        orders.add(order(ORDER_2, "{\"customer\":{\"id\":8},\"amount\":3,\"status\":\"placed\"}"));
        orders.add(order(ORDER_1, "{\"customer\":{\"id\":7},\"amount\":1234567890.99,\"placed_at\":1767225600000,"
                + "\"status\":\"paid\",\"tags\":[],\"note\":\"second\"}"));
        // poison for the orders route: a status the enum does not have
        orders.add(order(ORDER_2, "{\"customer\":{\"id\":8},\"amount\":4,\"status\":\"lost\"}"));
        // poison: no customer (NOT NULL without default)
        orders.add(order(ORDER_2, "{\"amount\":5,\"status\":\"paid\"}"));
        kafka.produceStrings().fromRecords(orders).awaitCompletion(Duration.ofSeconds(60));
        kafka.produceStrings().fromRecords(List.of(
                new ProducerRecord<>(CUSTOMERS, 0, "{\"id\":1}", "{\"name\":\"Ada\"}"),
                new ProducerRecord<>(CUSTOMERS, 0, "{\"id\":2}", "{\"name\":\"Grace\"}"),
                new ProducerRecord<>(CUSTOMERS, 0, "{\"id\":2}", (String) null),
                new ProducerRecord<>(CUSTOMERS, 0, "{\"id\":3}", "{\"name\":\"Ümit 日本\"}")))
                .awaitCompletion(Duration.ofSeconds(60));

        await().atMost(Duration.ofSeconds(90)).until(() -> GroupProgress.committedLag(kafka, GROUP, ORDERS,
                SinkInfrastructure.PARTITIONS) == 0
                && GroupProgress.committedLag(kafka, GROUP, CUSTOMERS, SinkInfrastructure.PARTITIONS) == 0);

        assertThat(RouteFixture
                .rows("SELECT order_id, customer_id, amount, placed_at AT TIME ZONE 'UTC', status, tags, extra,"
                        + " source FROM routed_orders ORDER BY order_id"))
                .containsExactly(
                        ORDER_1 + "|7|1234567890.99|2026-01-01 00:00:00|paid|{}|{\"note\": \"second\"}|kafka",
                        ORDER_2 + "|8|3.00|null|placed|null|{}|kafka");
        assertThat(RouteFixture.rows("SELECT order_id, trace, payload->>'status' FROM routed_order_events"
                + " ORDER BY kafka_partition, kafka_offset")).hasSize(3)
                .allSatisfy(row -> assertThat(row).contains("|trace-"));
        assertThat(RouteFixture.rows("SELECT id, name, deleted::text FROM routes.customers ORDER BY id"))
                .containsExactly("1|Ada|false", "2|Grace|true", "3|Ümit 日本|false");

        String scrape = scrape();
        assertThat(Scrape.value(scrape,
                "steady_sink_route_records_written_total{route=\"orders\",table=\"routed_orders\"}"))
                .as("the valid records of the orders topic").isEqualTo(3);
        assertThat(Scrape.value(scrape,
                "steady_sink_route_records_written_total{route=\"customers\",table=\"routes.customers\"}"))
                .isEqualTo(4);
        await().atMost(Duration.ofSeconds(30)).until(() -> Scrape.value(scrape(),
                "steady_sink_route_lag_records{route=\"order-events\",table=\"routed_order_events\"}") == 0);

        List<ConsumerRecord<String, String>> dead = kafka.consumeStrings().fromTopics(DLQ, 2)
                .awaitCompletion(Duration.ofSeconds(60)).getRecords();
        assertThat(dead).extracting(record -> header(record, "dead-letter-route")).containsOnly("orders");
        assertThat(dead).extracting(record -> header(record, "dead-letter-cause")).anySatisfy(cause -> assertThat(
                cause).contains("route orders", "/status", "column status", "routed_status"))
                .anySatisfy(cause -> assertThat(cause).contains("/customer/id", "column customer_id", "bigint"));
    }

    private static ProducerRecord<String, String> order(String id, String value) {
        ProducerRecord<String, String> record = new ProducerRecord<>(ORDERS, id, value);
        record.headers().add("trace-id", ("trace-" + id.substring(id.length() - 1)).getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
