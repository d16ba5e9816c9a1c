package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** What the route file says, checked and parsed before the database is asked anything. */
class RouteSpecTest {

    @Test
    void aRouteParsesItsTableSourcesAndDefaultsAppendIdentityToTheKafkaCoordinates() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.events.topics", "orders,returns")
                .with("routes.events.table", "audit.order_events")
                .with("routes.events.columns.id", "/order/id")
                .with("routes.events.columns.topic", "kafka:topic")
                .with("routes.events.columns.trace", "header:trace-id")
                .with("routes.events.columns.customer", "key:/customer")
                .with("routes.events.columns.whole", "value")
                .build();

        RouteSpec route = SinkSettings.routes(config).get(0);

        assertThat(route.topics()).containsExactly("orders", "returns");
        assertThat(route.table()).isEqualTo(new QualifiedTable(Optional.of("audit"), "order_events"));
        assertThat(route.table().sql()).isEqualTo("\"audit\".\"order_events\"");
        assertThat(route.mode()).isEqualTo(SinkMode.APPEND);
        assertThat(route.columns()).containsEntry("id", new ColumnSource.ValuePointer("/order/id"))
                .containsEntry("topic", new ColumnSource.Kafka(ColumnSource.KafkaField.TOPIC))
                .containsEntry("trace", new ColumnSource.Header("trace-id"))
                .containsEntry("customer", new ColumnSource.KeyPointer("/customer"))
                .containsEntry("whole", new ColumnSource.WholeValue());
        assertThat(route.identity()).as("the topic column the route maps, then the default names")
                .containsExactly("topic", "kafka_partition", "kafka_offset");
        assertThat(route.tombstones()).isEqualTo(RouteSpec.Tombstones.IGNORE);
    }

    @Test
    void aChangeEventsRouteKnowsDebeziumsUnavailableValuePlaceholderUnlessItNamesAnother() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.plain.topics", "srv.public.plain").with("routes.plain.table", "plain")
                .with("routes.plain.mode", "change-events")
                .with("routes.named.topics", "srv.public.named").with("routes.named.table", "named")
                .with("routes.named.mode", "change-events")
                .with("routes.named.unavailable-value-placeholder", "__toasted__")
                .with("routes.rows.topics", "rows").with("routes.rows.table", "rows")
                .with("routes.rows.columns.id", "/id")
                .build();

        List<RouteSpec> routes = SinkSettings.routes(config);

        assertThat(routes).extracting(route -> route.name() + " " + route.unavailableValue()).containsExactlyInAnyOrder(
                "plain Optional[__debezium_unavailable_value]", "named Optional[__toasted__]", "rows Optional.empty");
    }

    @Test
    void anUnavailableValuePlaceholderOutsideChangeEventsOrEmptyOrNotHexIsAProblem() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.rows.topics", "rows").with("routes.rows.table", "rows")
                .with("routes.rows.columns.id", "/id")
                .with("routes.rows.unavailable-value-placeholder", "__toasted__")
                .with("routes.hex.topics", "hex").with("routes.hex.table", "hex")
                .with("routes.hex.mode", "change-events")
                .with("routes.hex.unavailable-value-placeholder", "hex:abc")
                .build();

        assertThat(SinkSettings.problems(config)).contains(
                "route rows: unavailable-value-placeholder applies to mode change-events only; remove it",
                "route hex: unavailable-value-placeholder \"hex:abc\" is not hex: after hex: come pairs of hex"
                        + " digits, one per byte");
    }

    @Test
    void everyProblemOfEveryRouteIsListedAtOnceEachNamingItsRoute() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.orders.topics", "orders")
                .with("routes.orders.table", "a.b.c")
                .with("routes.orders.mode", "merge")
                .with("routes.orders.columns.id", "id")
                .with("routes.orders.columns.note", "/a~2b")
                .with("routes.orders.columns.when", "kafka:time")
                .with("routes.orders.epoch-units.when", "hours")
                .with("routes.state.topics", "state")
                .with("routes.state.table", "state")
                .with("routes.state.mode", "upsert")
                .with("routes.state.columns.name", "/name")
                .with("routes.state.tombstones", "mark")
                .build();

        List<String> problems = SinkSettings.problems(config);

        assertThat(problems).contains(
                "route orders: table: \"a.b.c\" has more than one dot; write table or schema.table, e.g. public.orders",
                "route orders: mode \"merge\" is not a mode; use append, upsert or change-events",
                "route orders: epoch-units.when \"hours\" is not a unit; use seconds, millis or micros",
                "route state: tombstones: mark needs deleted-column, the boolean column a tombstone sets",
                "route state: an upsert route needs identity, the columns naming a row (backed by a unique constraint)");
        assertThat(problems)
                .anySatisfy(p -> assertThat(p).startsWith("route orders: column id: \"id\" is not a source"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("route orders: column note: the JSON Pointer"));
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("route orders: column when: \"kafka:time\""));
        assertThatThrownBy(() -> SinkSettings.routes(config)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUpsertIdentityTakenFromTheValueIsRefusedWhileTombstonesNeedIt() {
        List<String> problems = new ArrayList<>();
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.state.topics", "state")
                .with("routes.state.table", "state")
                .with("routes.state.mode", "upsert")
                .with("routes.state.identity", "id")
                .with("routes.state.columns.id", "/id")
                .build();

        assertThat(RouteSpec.parse("state", config.routes().get("state"), problems)).isEmpty();
        assertThat(problems).containsExactly("route state: identity column id comes from the value, which a tombstone"
                + " lacks; take it from the key or set tombstones: ignore");
    }

    @Test
    void withARouteFileTheSubscriptionIsSinkTopicsAndEveryRoutesTopicsOnce() {
        SinkConfig config = TestSinkConfig.defaults().withTopics(List.of("events"))
                .with("routes.a.topics", "orders,events")
                .with("routes.a.table", "a")
                .with("routes.a.columns.id", "/id")
                .with("routes.b.topics", "returns")
                .with("routes.b.table", "b")
                .with("routes.b.columns.id", "/id")
                .build();

        assertThat(config.subscribedTopics()).containsExactly("events", "orders", "returns");
        assertThat(config.hasDefaultRoute()).isTrue();
        assertThat(SinkSettings.problems(config)).isEmpty();
        assertThat(Map.copyOf(config.routes())).containsOnlyKeys("a", "b");
    }

    @Test
    void sourcesOutsideTheFormsAllowedAreRefusedWithTheFormsNamed() {
        assertThatThrownBy(() -> ColumnSource.parse("header:")).hasMessageContaining("is not a source");
        assertThatThrownBy(() -> ColumnSource.parse("key:id")).hasMessageContaining("must start with /");
        assertThat(ColumnSource.parse("value:/a~1b")).isEqualTo(new ColumnSource.ValuePointer("/a~1b"));
        assertThat(ColumnSource.parse("rest")).isEqualTo(new ColumnSource.Rest());
        assertThat(ColumnSource.parse(" key ")).isEqualTo(new ColumnSource.KeyText());
    }

    @Test
    void aColumnTheOrderingGuardOrTombstonesFillIsNotFilledTwice() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.state.topics", "state")
                .with("routes.state.table", "state")
                .with("routes.state.mode", "upsert")
                .with("routes.state.identity", "id")
                .with("routes.state.tombstones", "mark")
                .with("routes.state.deleted-column", "gone")
                .with("routes.state.columns.id", "key")
                .with("routes.state.columns.gone", "/gone")
                .with("routes.state.columns.kafka_offset", "/offset")
                .build();

        assertThat(SinkSettings.problems(config)).containsExactly(
                "route state: column kafka_offset is filled from /offset, but it holds the Kafka offset of each row's"
                        + " source (the ordering guard); map it from kafka:offset or map kafka:offset to another column",
                "route state: deleted-column gone is also under columns: a column is filled once; remove it from"
                        + " columns");
    }
}
