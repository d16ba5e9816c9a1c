package io.steadysink.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.SteadySinkProcess;

/**
 * README command 1 in short: the demo stack comes up and rows land, fixed-shape and typed, the Avro
 * ones read through the real schema registry.
 */
class DemoStackIT {

    @Test
    void demoStackLandsRowsInItsTableAndTheRoutesTypedTablesIncludingAvroOnesAndReportsHealthy() {
        DemoStack.Result result = DemoStack.run("upsert", SteadySinkProcess.freePort(), Duration.ofSeconds(15));

        assertThat(result.produced()).isPositive();
        assertThat(result.rows()).isPositive();
        assertThat(result.secondsToFirstRow()).isPositive();
        assertThat(result.liveStatus()).isEqualTo(200);
        assertThat(result.readyStatus()).isEqualTo(200);

        // The instance has stopped: the tables hold what it wrote. One row per order in orders and in the
        // fixed-shape upsert table (same key), one per event in order_events: upserts are visible.
        assertThat(result.orders()).isPositive().isEqualTo(result.rows())
                .isEqualTo(LocalPostgres.queryLong("SELECT count(DISTINCT order_id) FROM order_events"));
        assertThat(result.orderEvents()).isGreaterThan(result.orders());
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM orders WHERE status <> 'created'")).isPositive();
        // Every order's typed columns equal its newest event's JSON, converted by PostgreSQL itself.
        assertThat(LocalPostgres.queryLong("""
                SELECT count(*) FROM orders o
                JOIN LATERAL (SELECT payload FROM order_events e WHERE e.order_id = o.order_id
                              ORDER BY kafka_offset DESC LIMIT 1) newest ON true
                WHERE o.customer_id = (newest.payload #>> '{customer,id}')::bigint
                  AND o.amount = (newest.payload ->> 'amount')::numeric
                  AND o.placed_at = to_timestamp((newest.payload ->> 'placed_at')::numeric / 1000)
                  AND o.status::text = newest.payload ->> 'status'
                  AND o.items = (newest.payload ->> 'items')::integer
                  AND o.express = (newest.payload ->> 'express')::boolean
                  AND o.updated_at IS NOT NULL
                """)).isEqualTo(result.orders());

        // The Avro part: the same order events, one in four, as Avro through the registry into orders_avro.
        assertThat(result.avroOff()).as("why the Avro part was off").isNull();
        assertThat(result.avroProduced()).isPositive();
        assertThat(result.avroOrders()).as("rows in orders_avro").isPositive();
        // Typed values: an Avro order's row holds the values of the JSON event with its order and status
        // (uuid, nested record, decimal, timestamp-millis, enum, boolean, union with null), ...
        assertThat(LocalPostgres.queryLong("""
                SELECT count(*) FROM orders_avro a
                WHERE a.customer_name = 'customer ' || a.customer_id
                  AND a.note IS NOT DISTINCT FROM (CASE WHEN a.express THEN 'express delivery' END)
                  AND a.updated_at IS NOT NULL
                  AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = a.order_id AND e.status = a.status
                                AND a.customer_id = (e.payload #>> '{customer,id}')::bigint
                                AND a.amount = (e.payload ->> 'amount')::numeric
                                AND a.placed_at = to_timestamp((e.payload ->> 'placed_at')::numeric / 1000)
                                AND a.express = (e.payload ->> 'express')::boolean)
                """)).isPositive();
        // ... and no Avro row contradicts the JSON events of its order.
        assertThat(LocalPostgres.queryLong("""
                SELECT count(*) FROM orders_avro a JOIN order_events e ON e.order_id = a.order_id
                WHERE a.customer_id <> (e.payload #>> '{customer,id}')::bigint
                   OR a.amount <> (e.payload ->> 'amount')::numeric
                   OR a.placed_at <> to_timestamp((e.payload ->> 'placed_at')::numeric / 1000)
                   OR a.express <> (e.payload ->> 'express')::boolean
                """)).isZero();
    }
}
