/**
 * The settings: {@link io.steadysink.config.SinkConfig} maps the {@code SINK_*} variables and declares
 * every default once; the values they name are typed here ({@link io.steadysink.config.SinkMode},
 * {@link io.steadysink.config.FailureStrategy}, {@link io.steadysink.config.TableName}), next to the
 * shared Kafka client settings, the channel names and the config doctor with the start-up check that
 * runs it. It imports no other steady-sink package but {@code startup} (which imports none), to refuse
 * start-up with its exit code, so that every package may read settings without a cycle.
 */
package io.steadysink.config;
