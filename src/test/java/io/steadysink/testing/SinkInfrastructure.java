package io.steadysink.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} application at the shared in-JVM broker and embedded PostgreSQL,
 * creating the topics the test configuration names.
 */
public class SinkInfrastructure implements QuarkusTestResourceLifecycleManager {

    /** Topic of the default test configuration ({@code %test.sink.topics}). */
    public static final String EVENTS_TOPIC = "events";
    public static final String STATE_TOPIC = "state-events";
    public static final String CORPUS_TOPIC = "corpus-events";
    public static final String CORPUS_DLQ = "corpus-dlq";
    public static final int PARTITIONS = 3;

    @Override
    public Map<String, String> start() {
        String bootstrap = LocalKafka.bootstrapServers();
        LocalKafka.createTopic(EVENTS_TOPIC, PARTITIONS);
        LocalKafka.createTopic(STATE_TOPIC, PARTITIONS);
        LocalKafka.createTopic(CORPUS_TOPIC, PARTITIONS);
        LocalKafka.createTopic(CORPUS_DLQ, 1);
        return Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "quarkus.datasource.jdbc.url", LocalPostgres.jdbcUrl(),
                "quarkus.datasource.username", LocalPostgres.USER,
                "quarkus.datasource.password", LocalPostgres.PASSWORD);
    }

    @Override
    public void stop() {
        // Shared for the whole test JVM; shutdown hooks stop the broker and the database.
    }
}
