package io.steadysink.testing;

import java.net.URI;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import io.quarkus.test.common.http.TestHTTPResource;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Base of the {@code @QuarkusTest}s that drive the running application from outside: a Kafka
 * companion on the shared broker, opened before the class's tests and closed after them, and the
 * probe and metrics endpoints as Kubernetes and Prometheus reach them.
 */
public abstract class SinkUnderTest {

    protected static KafkaCompanion kafka;

    @TestHTTPResource("/q/health/started")
    protected URI started;
    @TestHTTPResource("/q/health/ready")
    protected URI ready;
    @TestHTTPResource("/q/health/live")
    protected URI live;
    @TestHTTPResource("/q/metrics")
    protected URI metrics;

    @BeforeAll
    static void openKafkaCompanion() {
        kafka = new KafkaCompanion(LocalKafka.bootstrapServers());
    }

    @AfterAll
    static void closeKafkaCompanion() {
        kafka.close();
    }

    /** {@code started=<status> ready=<status> live=<status>}. */
    protected String statuses() throws Exception {
        return Probes.statuses(started, ready, live);
    }

    /** The consumer state the readiness check reports, or empty before it reports one. */
    protected String state() throws Exception {
        return Probes.state(ready);
    }

    /** The Prometheus scrape, as text. */
    protected String scrape() throws Exception {
        return Probes.get(metrics).body();
    }
}
