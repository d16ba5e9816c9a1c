package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The staging table of each route, named after what its state is kept under. */
class RouteWriterStageNameTest {

    @Test
    void aStagingTableIsNamedAfterTheRouteAndALongNameKeepsItsStartAndEndsInAHashOfTheWhole() {
        assertThat(RouteWriter.stageName("order-events")).isEqualTo("steady_sink_route_order-events");
        assertThat(RouteWriter.stageName("order_events")).isEqualTo("steady_sink_route_order_events");
        assertThat(RouteWriter.stageName("mirror:shop.orders")).isEqualTo("steady_sink_route_mirror:shop.orders");

        String route = "a".repeat(40);
        String customers = RouteWriter.stageName(route + ":inventory.customers_with_a_long_name");
        String orders = RouteWriter.stageName(route + ":inventory.orders_with_a_long_name");
        assertThat(customers).isNotEqualTo(orders).matches("steady_sink_route_a+#[0-9a-f]{8}");
        assertThat(customers.getBytes(StandardCharsets.UTF_8)).hasSize(63);
        assertThat(RouteWriter.stageName(route + ":schéma.tablé_" + "é".repeat(20)).getBytes(StandardCharsets.UTF_8))
                .hasSizeLessThanOrEqualTo(63);
    }
}
