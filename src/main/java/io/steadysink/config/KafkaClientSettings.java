package io.steadysink.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The application's shared Kafka settings ({@code KAFKA_*}, i.e. the connector's
 * {@code default-kafka-broker} map: bootstrap servers, security) narrowed to what one kind of client
 * understands, for the clients steady-sink creates itself (lag reader, dead-letter replay).
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {
    }

    /** @param names the client's configuration names, e.g. {@code AdminClientConfig.configNames()} */
    public static Map<String, Object> only(Map<String, Object> shared, Set<String> names) {
        Map<String, Object> config = new HashMap<>();
        shared.forEach((key, value) -> {
            if (names.contains(key)) {
                config.put(key, value);
            }
        });
        return config;
    }
}
