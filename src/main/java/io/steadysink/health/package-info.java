/**
 * What the probes report: {@link io.steadysink.health.ConsumerMonitor} (the one scheduling bean)
 * evaluates the plain {@link io.steadysink.health.ConsumerStateMachine} every second and, every
 * {@code SINK_LAG_INTERVAL_MS}, reads offsets ({@link io.steadysink.health.LagReader}, an admin
 * client) and turns them into lag ({@link io.steadysink.health.LagEvaluator}, Burrow-style history
 * on injected clocks), and asks which source topics do not exist
 * ({@link io.steadysink.health.SourceTopics}); the liveness, readiness and startup checks read the last
 * {@link io.steadysink.health.Snapshot} and do no I/O.
 * <p>
 * May import {@code consumer} (membership, in-flight batches, fetch observations, the ticker),
 * {@code failure} (the fatal stop), {@code metrics} and {@code config}. Only the root package
 * imports it, to pass the writers' reports on.
 */
package io.steadysink.health;
