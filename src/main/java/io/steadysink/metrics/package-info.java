/**
 * {@link io.steadysink.metrics.SinkMetrics} declares every steady-sink meter once (name,
 * description, unit, tags) and registers at start-up every series it can know then.
 * <p>
 * Imports no other steady-sink package: callers pass plain values (tags as strings, its own lag
 * rows, any enum for the state gauge) and the composition root passes what is known at start-up,
 * so every package may report to it without a cycle.
 */
package io.steadysink.metrics;
