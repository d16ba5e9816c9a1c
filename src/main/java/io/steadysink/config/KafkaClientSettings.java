package io.steadysink.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.inject.Instance;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The application's shared Kafka settings ({@code KAFKA_*}, i.e. the connector's
 * {@code default-kafka-broker} map: bootstrap servers, security) narrowed to what one kind of client
 * understands, for the clients steady-sink creates itself (lag reader, topic-ID guard, dead-letter
 * limits, dead-letter replay).
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

    /**
     * An admin client with the shared settings (none when the map is not configured, e.g. in a
     * one-off command) and its own {@code client.id}; the caller closes it.
     */
    public static Admin admin(Instance<Map<String, Object>> shared, String clientId) {
        Map<String, Object> config = only(shared.isResolvable() ? shared.get() : Map.of(),
                AdminClientConfig.configNames());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return Admin.create(config);
    }
}
