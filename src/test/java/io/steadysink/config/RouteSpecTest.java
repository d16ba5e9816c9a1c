package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.steadysink.format.RecordFormat;

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
    void aRouteReadsJsonUnlessItNamesARegistryFormatForItsValueOrKey() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.plain.topics", "plain").with("routes.plain.table", "plain")
                .with("routes.plain.columns.id", "/id")
                .with("routes.avro.topics", "avro").with("routes.avro.table", "avro")
                .with("routes.avro.columns.id", "key:/id").with("routes.avro.value-format", "Avro")
                .with("routes.avro.key-format", "protobuf")
                .build();

        List<RouteSpec> routes = SinkSettings.routes(config);

        assertThat(routes).extracting(RouteSpec::name, RouteSpec::valueFormat, RouteSpec::keyFormat,
                spec -> spec.valueFormat().registered() || spec.keyFormat().registered()).containsExactly(
                        tuple("avro", RecordFormat.AVRO, RecordFormat.PROTOBUF, true),
                        tuple("plain", RecordFormat.JSON, RecordFormat.JSON, false));
    }

    @Test
    void anUnknownFormatOrARegistryFormatOnAChangeEventsRouteIsAProblem() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.rows.topics", "rows").with("routes.rows.table", "rows")
                .with("routes.rows.columns.id", "/id").with("routes.rows.value-format", "thrift")
                .with("routes.cdc.topics", "cdc").with("routes.cdc.table", "cdc")
                .with("routes.cdc.mode", "change-events").with("routes.cdc.value-format", "avro")
                .build();

        assertThat(SinkSettings.problems(config)).contains(
                "route rows: value-format \"thrift\" is not a format; use json, avro, protobuf or json-schema",
                "route cdc: a change-events route reads Debezium's JSON change events (JsonConverter); value-format"
                        + " and key-format must be json");
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
    void schemaChangesDefaultsToStopAndIsAChoiceOfChangeEventsRoutesOnly() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.replica.topics", "srv.public.customers")
                .with("routes.replica.table", "customers")
                .with("routes.replica.mode", "change-events")
                .with("routes.grown.topics", "srv.public.orders")
                .with("routes.grown.table", "orders")
                .with("routes.grown.mode", "change-events")
                .with("routes.grown.schema-changes", "add")
                .with("routes.typo.topics", "srv.public.items")
                .with("routes.typo.table", "items")
                .with("routes.typo.mode", "change-events")
                .with("routes.typo.schema-changes", "alter")
                .with("routes.log.topics", "log")
                .with("routes.log.table", "log")
                .with("routes.log.columns.id", "/id")
                .with("routes.log.schema-changes", "add")
                .build();
        List<String> problems = new ArrayList<>();

        assertThat(RouteSpec.parse("replica", config.routes().get("replica"), problems).get(0).schemaChanges())
                .isEqualTo(RouteSpec.SchemaChanges.STOP);
        assertThat(RouteSpec.parse("grown", config.routes().get("grown"), problems).get(0).schemaChanges())
                .isEqualTo(RouteSpec.SchemaChanges.ADD);
        assertThat(RouteSpec.parse("typo", config.routes().get("typo"), problems)).isEmpty();
        assertThat(RouteSpec.parse("log", config.routes().get("log"), problems)).isEmpty();
        assertThat(problems).containsExactly(
                "route typo: schema-changes \"alter\" is not a choice; use stop, add or ignore",
                "route log: schema-changes applies to mode change-events only (whose columns follow the source"
                        + " table); remove it");
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
    @Test
    void aPatternTableBindsAChangeEventsRouteOncePerTopicToTheTableTheTopicsNameMapsTo() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.mirror.topics", "dbserver1.inventory.customers,dbserver1.inventory.orders")
                .with("routes.mirror.table", "{schema}.{table}")
                .with("routes.mirror.mode", "change-events")
                .with("routes.flat.topics", "cdc.prod.shop.orders")
                .with("routes.flat.table", "replica.{table}")
                .with("routes.flat.mode", "change-events")
                .with("routes.whole.topics", "cdc-1.shop.orders")
                .with("routes.whole.table", "{topic}")
                .with("routes.whole.mode", "change-events")
                .build();

        assertThat(SinkSettings.problems(config)).isEmpty();
        List<RouteSpec> routes = SinkSettings.routes(config);
        assertThat(routes).extracting(RouteSpec::name, r -> r.topics(), r -> r.table().toString(), RouteSpec::key)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("flat", List.of("cdc.prod.shop.orders"), "replica.orders",
                                "flat:replica.orders"),
                        org.assertj.core.groups.Tuple.tuple("mirror", List.of("dbserver1.inventory.customers"),
                                "inventory.customers", "mirror:inventory.customers"),
                        org.assertj.core.groups.Tuple.tuple("mirror", List.of("dbserver1.inventory.orders"),
                                "inventory.orders", "mirror:inventory.orders"),
                        org.assertj.core.groups.Tuple.tuple("whole", List.of("cdc-1.shop.orders"), "cdc_1_shop_orders",
                                "whole:cdc_1_shop_orders"));
        assertThat(routes).allSatisfy(route -> assertThat(route.changeEvents()).isTrue());
    }

    @Test
    void aPatternTableIsRefusedWhereItCannotMapEachTopicToItsOwnTable() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.plain.topics", "srv.shop.orders")
                .with("routes.plain.table", "{schema}.{table}")
                .with("routes.plain.mode", "upsert")
                .with("routes.plain.identity", "id")
                .with("routes.plain.columns.id", "key")
                .with("routes.short.topics", "orders,srv.shop.items")
                .with("routes.short.table", "{schema}.{table}")
                .with("routes.short.mode", "change-events")
                .with("routes.twice.topics", "a.shop.orders,b.shop.orders")
                .with("routes.twice.table", "replica.{table}")
                .with("routes.twice.mode", "change-events")
                .with("routes.unknown.topics", "srv.shop.orders")
                .with("routes.unknown.table", "{database}.{table}")
                .with("routes.unknown.mode", "change-events")
                .with("routes.bad.topics", "srv.shop.order-lines")
                .with("routes.bad.table", "replica.{table}")
                .with("routes.bad.mode", "change-events")
                .build();

        List<String> problems = SinkSettings.problems(config);

        assertThat(problems).containsExactlyInAnyOrder(
                "route plain: table \"{schema}.{table}\" has placeholders, which only a change-events route fills"
                        + " (from each topic's name); name one table or use mode: change-events",
                "route short: topic orders is not named <prefix>.<schema>.<table>, which table \"{schema}.{table}\""
                        + " needs; list it in a route of its own",
                "route twice: topics a.shop.orders and b.shop.orders both map to table replica.orders; a table is"
                        + " replicated from one topic",
                "route unknown: table \"{database}.{table}\": {database} is not a placeholder; use {schema},"
                        + " {table} or {topic}",
                "route bad: topic srv.shop.order-lines maps to table \"replica.order-lines\": the table name"
                        + " \"order-lines\" is not a plain identifier: use letters, digits, underscores and $,"
                        + " starting with a letter or underscore");
    }

    @Test
    void truncateIsRefusedByDefaultAndAllowedOnlyForChangeEventsRoutesThatDelete() {
        SinkConfig config = TestSinkConfig.defaults()
                .with("routes.events.topics", "events")
                .with("routes.events.table", "events")
                .with("routes.events.columns.id", "/id")
                .with("routes.events.truncate", "allow")
                .with("routes.marked.topics", "srv.shop.orders")
                .with("routes.marked.table", "orders")
                .with("routes.marked.mode", "change-events")
                .with("routes.marked.tombstones", "mark")
                .with("routes.marked.deleted-column", "gone")
                .with("routes.marked.truncate", "allow")
                .with("routes.odd.topics", "srv.shop.items")
                .with("routes.odd.table", "items")
                .with("routes.odd.mode", "change-events")
                .with("routes.odd.truncate", "cascade")
                .build();

        assertThat(SinkSettings.problems(config)).containsExactlyInAnyOrder(
                "route events: truncate: allow is for change-events routes (a truncate is a Debezium change event);"
                        + " remove it",
                "route marked: truncate: allow needs tombstones: delete (a truncate deletes the rows it removes);"
                        + " set tombstones: delete or truncate: refuse",
                "route odd: truncate \"cascade\" is not a choice; use refuse or allow");

        SinkConfig fine = TestSinkConfig.defaults()
                .with("routes.a.topics", "srv.shop.a")
                .with("routes.a.table", "a")
                .with("routes.a.mode", "change-events")
                .with("routes.b.topics", "srv.shop.b")
                .with("routes.b.table", "b")
                .with("routes.b.mode", "change-events")
                .with("routes.b.truncate", "allow")
                .build();
        assertThat(SinkSettings.routes(fine)).extracting(RouteSpec::truncate)
                .containsExactly(RouteSpec.Truncate.REFUSE, RouteSpec.Truncate.ALLOW);
    }
}
