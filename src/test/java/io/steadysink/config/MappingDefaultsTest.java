package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.steadysink.testing.SinkInfrastructure;

/**
 * The properties that pass {@code SINK_*} settings on to the connector, the worker pool and Flyway
 * name them without a fallback, so they must see the {@code @WithDefault} of {@link SinkConfig}.
 */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
class MappingDefaultsTest {

    private static final String CHANNEL = "mp.messaging.incoming." + Channels.EVENTS + ".";

    @Inject
    SinkConfig sink;

    @Inject
    Config all;

    @Test
    void propertiesThatPassSettingsOnSeeTheMappingDefaults() {
        assertThat(all.getValue(CHANNEL + "group.id", String.class)).isEqualTo(sink.groupId())
                .isEqualTo("steady-sink");
        assertThat(all.getValue(CHANNEL + "failure-strategy", String.class))
                .isEqualTo(sink.parsedFailureStrategy().configName()).isEqualTo("dead-letter-queue");
        assertThat(all.getValue(CHANNEL + "dead-letter-queue.topic", String.class)).isEqualTo(sink.dlqTopic());
        assertThat(all.getValue("smallrye.messaging.worker." + Channels.SINK_WRITERS + ".max-concurrency",
                Integer.class)).isEqualTo(sink.workers());
        assertThat(all.getValue("quarkus.flyway.placeholders.table", String.class)).isEqualTo(sink.table())
                .isEqualTo("sink_events");
        assertThat(all.getValue("quarkus.flyway.table", String.class)).isEqualTo(sink.table() + "_schema_history");
    }
}
