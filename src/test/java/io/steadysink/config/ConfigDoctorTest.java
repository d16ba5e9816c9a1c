package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.steadysink.config.ConfigDoctor.Finding;
import io.steadysink.config.ConfigDoctor.Severity;

class ConfigDoctorTest {

    private static final int POOL = 20;
    /** A heap none of the settings here outgrows but those of the memory budget's own tests. */
    private static final long HEAP = 8L << 30;

    @Test
    void defaultsAreHealthy() {
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of(), POOL, HEAP)).isEmpty();
    }

    @Test
    void aRouteReadingTheRegistryNeedsItsUrlAnHttpUrlWithoutCredentialsInIt() {
        TestSinkConfig avro = TestSinkConfig.defaults().with("routes.orders.topics", "avro-orders")
                .with("routes.orders.table", "orders").with("routes.orders.columns.id", "/id")
                .with("routes.orders.value-format", "avro");

        assertThat(single(ConfigDoctor.examine(avro.build(), Map.of(), POOL, HEAP), Severity.ERROR))
                .contains("route orders read records through the schema registry",
                        "SINK_SCHEMA_REGISTRY_URL is not set");
        assertThat(single(ConfigDoctor.examine(avro.with("schema-registry-url", "registry:8081").build(), Map.of(),
                POOL, HEAP), Severity.ERROR))
                .contains("SINK_SCHEMA_REGISTRY_URL='registry:8081' is not an http(s) URL");
        assertThat(single(ConfigDoctor.examine(avro.with("schema-registry-url", "http://u:secret@registry:8081")
                .build(), Map.of(), POOL, HEAP), Severity.ERROR)).contains("holds credentials")
                .doesNotContain("secret");
        assertThat(single(ConfigDoctor.examine(avro.with("schema-registry-url", "http://registry:8081")
                .with("schema-registry-password", "secret").build(), Map.of(), POOL, HEAP), Severity.ERROR))
                .contains("SINK_SCHEMA_REGISTRY_PASSWORD is set without SINK_SCHEMA_REGISTRY_USERNAME")
                .doesNotContain("=secret");
        assertThat(ConfigDoctor.examine(avro.with("schema-registry-url", "https://registry:8081/apis/ccompat/v7")
                .build(), Map.of(), POOL, HEAP)).isEmpty();
    }

    @Test
    void aRegistryNoRouteReadsIsAWarning() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().with("schema-registry-url",
                "http://registry:8081").build(), Map.of(), POOL, HEAP), Severity.WARNING))
                .contains("no route reads avro, protobuf or json-schema");
    }

    @Test
    void heartbeatOfMoreThanAThirdOfTheSessionIsAnError() {
        List<Finding> findings = ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("session.timeout.ms", "12000", "heartbeat.interval.ms", "5000"), POOL, HEAP);

        assertThat(single(findings, Severity.ERROR)).startsWith("KAFKA_HEARTBEAT_INTERVAL_MS=5000")
                .contains("KAFKA_SESSION_TIMEOUT_MS=12000", "at most 4000");
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("session.timeout.ms", "12000", "heartbeat.interval.ms", "4000"), POOL, HEAP)).isEmpty();
    }

    @Test
    void unsetKafkaTimingsAreJudgedAtTheKafkaClientsDefaults() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("heartbeat.interval.ms", "16000"), POOL, HEAP), Severity.ERROR))
                .startsWith("KAFKA_HEARTBEAT_INTERVAL_MS=16000 is more than a third of KAFKA_SESSION_TIMEOUT_MS=45000");
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().withTimeouts(10_000, 300_000).build(),
                Map.of(), POOL, HEAP), Severity.ERROR))
                .startsWith("KAFKA_MAX_POLL_INTERVAL_MS=300000 is not above SINK_DRAIN_TIMEOUT_MS=300000");
    }

    @Test
    void sessionTimeoutOutsideTheBrokerBoundsIsAnErrorAndTheBoundsAreOverridable() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("session.timeout.ms", "4000",
                "heartbeat.interval.ms", "1000"), POOL, HEAP), Severity.ERROR))
                .startsWith("KAFKA_SESSION_TIMEOUT_MS=4000 is outside the broker's allowed range [6000, 300000]")
                .contains("SINK_SESSION_TIMEOUT_MIN_MS");
        assertThat(
                single(ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("session.timeout.ms", "400000"),
                        POOL, HEAP), Severity.ERROR))
                .startsWith("KAFKA_SESSION_TIMEOUT_MS=400000");
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().withSessionBounds(3_000, 300_000).build(),
                Map.of("session.timeout.ms", "4000", "heartbeat.interval.ms", "1000"), POOL, HEAP)).isEmpty();
    }

    @Test
    void maxPollIntervalNotAboveTheDrainBudgetIsAnError() {
        List<Finding> findings = ConfigDoctor.examine(TestSinkConfig.defaults().withTimeouts(5_000, 20_000).build(),
                Map.of("max.poll.interval.ms", "15000"), POOL, HEAP);

        assertThat(single(findings, Severity.ERROR)).startsWith("KAFKA_MAX_POLL_INTERVAL_MS=15000 is not above "
                + "SINK_DRAIN_TIMEOUT_MS=20000").contains("raise KAFKA_MAX_POLL_INTERVAL_MS above 20000");
    }

    @Test
    void unsetDrainBudgetFollowsAShortPollIntervalInsteadOfRefusingIt() {
        assertThat(
                ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("max.poll.interval.ms", "10000"), POOL,
                        HEAP))
                .noneMatch(finding -> finding.severity() == Severity.ERROR);
        assertThat(ConfigDoctor.drainTimeoutMs(TestSinkConfig.defaults().build(), 10_000)).isEqualTo(5_000);
        assertThat(ConfigDoctor.drainTimeoutMs(TestSinkConfig.defaults().build(), 300_000)).isEqualTo(30_000);
        assertThat(ConfigDoctor.drainTimeoutMs(TestSinkConfig.defaults().withTimeouts(10_000, 7_000).build(), 10_000))
                .isEqualTo(7_000);
    }

    @Test
    void appendBatchesAreJudgedByTheirThreeStatementFallbackAndUpsertBatchesByTwo() {
        assertThat(single(
                ConfigDoctor.examine(TestSinkConfig.defaults().withTimeouts(8_000, 20_000).build(), Map.of(), POOL,
                        HEAP),
                Severity.WARNING)).startsWith("SINK_STATEMENT_TIMEOUT_MS=8000 lets one batch run up to 24000 ms,"
                        + " longer than SINK_DRAIN_TIMEOUT_MS=20000");
        assertThat(
                ConfigDoctor.examine(TestSinkConfig.defaults().withMode("upsert").withTimeouts(8_000, 20_000).build(),
                        Map.of(), POOL, HEAP))
                .isEmpty();
    }

    @Test
    void batchesThatMayOutlastThePollIntervalOrTheDrainAreWarnings() {
        List<Finding> findings = ConfigDoctor.examine(TestSinkConfig.defaults().withTimeouts(60_000, 20_000).build(),
                Map.of("max.poll.interval.ms", "100000"), POOL, HEAP);

        assertThat(findings).allMatch(f -> f.severity() == Severity.WARNING).hasSize(2);
        assertThat(findings.get(0).message()).startsWith("SINK_STATEMENT_TIMEOUT_MS=60000 lets one batch run up to"
                + " 180000 ms, longer than KAFKA_MAX_POLL_INTERVAL_MS=100000");
        assertThat(findings.get(1).message()).contains("longer than SINK_DRAIN_TIMEOUT_MS=20000");
    }

    @Test
    void clientSideSessionSettingsWithTheConsumerGroupProtocolAreErrors() {
        List<Finding> findings = ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("group.protocol", "consumer",
                        "session.timeout.ms", "6000", "heartbeat.interval.ms", "5000"),
                POOL, HEAP);

        assertThat(findings).extracting(Finding::message)
                .satisfiesExactlyInAnyOrder(
                        m -> assertThat(m).startsWith("KAFKA_SESSION_TIMEOUT_MS=6000 cannot be combined with"
                                + " KAFKA_GROUP_PROTOCOL=consumer"),
                        m -> assertThat(m).startsWith("KAFKA_HEARTBEAT_INTERVAL_MS=5000 cannot be combined"));
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("group.protocol", "consumer"), POOL,
                HEAP))
                .as("the classic heartbeat and session rules do not apply").isEmpty();
    }

    @Test
    void moreWorkersThanDatabaseConnectionsIsAnError() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().withWorkers(8).build(), Map.of(), 5, HEAP),
                Severity.ERROR))
                .isEqualTo("SINK_WORKERS=8 is larger than QUARKUS_DATASOURCE_JDBC_MAX_SIZE=5: workers would queue"
                        + " for connections and time out; lower SINK_WORKERS or raise"
                        + " QUARKUS_DATASOURCE_JDBC_MAX_SIZE to at least 8");
    }

    @Test
    void deadLetterTopicMustBeALegalNameOtherThanASourceTopic() {
        assertThat(single(
                ConfigDoctor.examine(TestSinkConfig.defaults().withDeadLetterQueue("bad topic!").build(), Map.of(),
                        POOL, HEAP),
                Severity.ERROR)).startsWith("SINK_DLQ_TOPIC='bad topic!' is not a valid Kafka topic name");
        assertThat(
                single(ConfigDoctor.examine(TestSinkConfig.defaults().withDeadLetterQueue("orders").build(), Map.of(),
                        POOL, HEAP), Severity.ERROR))
                .startsWith("SINK_DLQ_TOPIC='orders' is also in SINK_TOPICS")
                .contains("SINK_DLQ_TOPIC=orders-dlq");
        assertThat(
                single(ConfigDoctor.examine(TestSinkConfig.defaults().withDeadLetterQueue(" ").build(), Map.of(), POOL,
                        HEAP),
                        Severity.ERROR))
                .startsWith("SINK_DLQ_TOPIC is empty");
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().withDeadLetterQueue("orders-dlq").build(), Map.of(),
                POOL, HEAP))
                .isEmpty();
    }

    @Test
    void delayedRetryTopicIsRefusedBecauseABatchedChannelNeverReadsItsRetryTopics() {
        assertThat(single(
                ConfigDoctor.examine(TestSinkConfig.defaults().withFailureStrategy("delayed-retry-topic").build(),
                        Map.of(), POOL, HEAP),
                Severity.ERROR)).startsWith("SINK_FAILURE_STRATEGY=delayed-retry-topic would park")
                .contains("replay-dead-letters");
        assertThat(
                ConfigDoctor.examine(TestSinkConfig.defaults().withFailureStrategy("ignore").build(), Map.of(), POOL,
                        HEAP))
                .isEmpty();
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().withFailureStrategy("fail").build(), Map.of(), POOL,
                HEAP))
                .isEmpty();
    }

    @Test
    void autoOffsetResetNoneIsAllowedWithAnExplanation() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().withAutoOffsetReset("none").build(), Map.of(),
                POOL, HEAP), Severity.WARNING)).startsWith("SINK_AUTO_OFFSET_RESET=none: the consumer fails on any"
                        + " partition without a committed offset");
    }

    @Test
    void kafkaAutoCommitIsAnErrorBecauseItCommitsUnwrittenRecords() {
        assertThat(single(
                ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("enable.auto.commit", "true"), POOL,
                        HEAP),
                Severity.ERROR)).startsWith("KAFKA_ENABLE_AUTO_COMMIT=true would commit offsets of records not yet"
                        + " written");
    }

    @Test
    void everyViolationIsReportedAtOnceOnOneLineEach() {
        List<Finding> findings = ConfigDoctor.examine(TestSinkConfig.defaults().withAutoOffsetReset(null)
                .withWorkers(30).build(), Map.of("heartbeat.interval.ms", "20000", "max.poll.interval.ms", "abc"),
                POOL, HEAP);

        assertThat(findings).hasSize(4).allMatch(f -> f.severity() == Severity.ERROR)
                .allMatch(f -> !f.message().contains("\n"));
        assertThat(ConfigDoctor.hasErrors(findings)).isTrue();
        assertThat(findings).extracting(Finding::message).anySatisfy(
                m -> assertThat(m).isEqualTo("KAFKA_MAX_POLL_INTERVAL_MS='abc' is not a number of milliseconds: set a"
                        + " whole number"));
    }

    @Test
    void settingsWhoseWorstCaseDoesNotFitTheHeapAreRefusedWithTheFigures() {
        long heap = 124L * 1024 * 1024;
        Map<String, String> shipped = Map.of("max.poll.records", "2000", "fetch.max.bytes", "1048576");
        assertThat(ConfigDoctor.examine(TestSinkConfig.defaults().build(), shipped, POOL, heap)).isEmpty();

        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("max.poll.records", "2000", "fetch.max.bytes", "52428800"), POOL, heap), Severity.ERROR))
                .startsWith("records in flight may need more heap than the JVM has:")
                .contains("KAFKA_FETCH_MAX_BYTES=52428800", "heap 124 MiB", "lower KAFKA_FETCH_MAX_BYTES");
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().withWorkers(8).build(), shipped, POOL, heap),
                Severity.ERROR)).contains("8 worker(s)");
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().build(), Map.of("max.poll.records", "2000",
                "fetch.max.bytes", "1048576", "max-queue-size-factor", "10"), POOL, heap), Severity.ERROR))
                .contains("11 queued batch(es)");
    }

    @Test
    void aQueueFactorThatIsNoPositiveNumberIsAnError() {
        assertThat(single(ConfigDoctor.examine(TestSinkConfig.defaults().build(),
                Map.of("max-queue-size-factor", "0"), POOL, HEAP), Severity.ERROR))
                .isEqualTo(
                        "mp.messaging.incoming.events.max-queue-size-factor='0' is not a positive whole number: set one");
    }

    private static String single(List<Finding> findings, Severity severity) {
        assertThat(findings).singleElement().extracting(Finding::severity).isEqualTo(severity);
        return findings.get(0).message();
    }

    @Test
    void aRouteTopicThatIsNoKafkaTopicNameOrIsTheDeadLetterTopicIsAnErrorNamingTheRouteFile() {
        SinkConfig config = TestSinkConfig.defaults().withDeadLetterQueue("orders-dlq")
                .with("routes.a.topics", "orders-dlq,bad topic")
                .with("routes.a.table", "a")
                .with("routes.a.columns.id", "/id")
                .build();

        assertThat(ConfigDoctor.examine(config, Map.of(), POOL, HEAP)).extracting(Finding::message).containsExactly(
                "the topic 'bad topic' (a route in SINK_ROUTES_FILE) is not a valid Kafka topic name: use 1 to 249 of"
                        + " the characters a-z A-Z 0-9 . _ -",
                "SINK_DLQ_TOPIC='orders-dlq' is also a topic of a route in SINK_ROUTES_FILE: dead-lettered records"
                        + " would be consumed again and loop; name a separate topic, e.g. SINK_DLQ_TOPIC=orders-dlq-dlq");
    }
}
