package io.steadysink.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class DeadLetterLimitsTest {

    @Test
    void deadLetterTopicSmallerThanASourceTopicIsReportedWithTheCommandThatFixesIt() {
        assertThat(DeadLetterLimits.problem("orders-dlq", 1_048_588, Map.of("orders", 4_194_304, "audit", 1_048_588)))
                .hasValueSatisfying(problem -> assertThat(problem)
                        .contains("SINK_DLQ_TOPIC=orders-dlq accepts records up to 1048588 bytes")
                        .contains("orders accepts up to 4194304")
                        .contains("--entity-name orders-dlq --add-config max.message.bytes="
                                + (4_194_304 + DeadLetterLimits.HEADER_ROOM)));
    }

    @Test
    void deadLetterTopicWithRoomForTheLargestSourceRecordAndItsHeadersIsFine() {
        assertThat(DeadLetterLimits.problem("orders-dlq", 4_194_304 + DeadLetterLimits.HEADER_ROOM,
                Map.of("orders", 4_194_304))).isEmpty();
    }

    @Test
    void missingDeadLetterTopicIsReportedWithTheSizeToCreateItWith() {
        assertThat(DeadLetterLimits.problem("orders-dlq", null, Map.of("orders", 2_000_000)))
                .hasValueSatisfying(problem -> assertThat(problem).contains("does not exist")
                        .contains("max.message.bytes of at least " + (2_000_000 + DeadLetterLimits.HEADER_ROOM)));
    }

    @Test
    void deadLetterProducerIsSizedForTheLargestSourceRecordButNeverBelowWhatIsConfigured() {
        DeadLetterLimits limits = new DeadLetterLimits();
        Map<String, Object> producer = new HashMap<>(Map.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "bytes"));

        limits.customize("events", null, producer);

        // a whole fetch (fetch.max.bytes, 50 MiB by default) may be a single record
        long size = ConsumerConfig.DEFAULT_FETCH_MAX_BYTES + DeadLetterLimits.HEADER_ROOM;
        assertThat(producer).containsEntry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Long.toString(size))
                .containsEntry(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(2 * size));

        Map<String, Object> configured = new HashMap<>(Map.of(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, "bytes",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "100000000"));
        limits.customize("events", null, configured);
        assertThat(configured).containsEntry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "100000000")
                .containsEntry(ProducerConfig.BUFFER_MEMORY_CONFIG, "200000000");
    }

    @Test
    void consumerConfigurationIsLeftAlone() {
        Map<String, Object> consumer = new HashMap<>(Map.of("key.deserializer", "bytes"));
        new DeadLetterLimits().customize("events", null, consumer);
        assertThat(consumer).containsOnlyKeys("key.deserializer");
    }
}
