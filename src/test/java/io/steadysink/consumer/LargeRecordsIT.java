package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import io.steadysink.testing.AppendTable;
import io.steadysink.testing.ContainerJvm;
import io.steadysink.testing.LocalKafka;
import io.steadysink.testing.SteadySinkProcess;

/**
 * The packaged application started as the container starts it, with a 256 MiB memory limit, fed
 * records of 1 MiB: every record is written and the process stays within its limit (a pod over its
 * limit is killed by the kernel, so resident memory above it counts as the failure it would be).
 */
class LargeRecordsIT {

    private static final String TOPIC = "large-records";
    private static final int PARTITIONS = 6;
    private static final int RECORDS = 240;
    private static final int VALUE_BYTES = 1 << 20;
    private static final String LIMIT = "256m";
    private static final AppendTable TABLE = new AppendTable("large_records");

    @Test
    void megabyteRecordsAreAllWrittenWithinA256MiBLimit() throws Exception {
        LocalKafka.createTopic(TOPIC, PARTITIONS, Map.of("max.message.bytes", Integer.toString(2 * VALUE_BYTES)));
        produce();
        Map<String, String> env = ContainerJvm.limitTo(
                SteadySinkProcess.appendSink(TOPIC, "large-records-it", TABLE.name()), LIMIT);
        try (SteadySinkProcess app = SteadySinkProcess.start("large-records", env, false)
                .awaitStarted(Duration.ofSeconds(90))) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !app.isAlive() || TABLE.rows() == RECORDS);
            assertThat(app.output()).as("the application's output").doesNotContain("java.lang.OutOfMemoryError");
            assertThat(app.isAlive()).as("the application is still running").isTrue();
            assertThat(TABLE.rows()).as("every record written").isEqualTo(RECORDS);
            assertThat(app.peakResidentBytes()).as("peak resident memory (VmHWM), bytes")
                    .isLessThanOrEqualTo(ContainerJvm.bytes(LIMIT));
            assertThat(app.stop()).as("exit code after SIGTERM").isZero();
        }
    }

    /** {@value #RECORDS} JSON objects of exactly {@value #VALUE_BYTES} bytes each. */
    private static void produce() throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * VALUE_BYTES, ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                byte[] head = ("{\"id\":" + i + ",\"pad\":\"").getBytes(StandardCharsets.UTF_8);
                byte[] value = new byte[VALUE_BYTES];
                Arrays.fill(value, (byte) 'x');
                System.arraycopy(head, 0, value, 0, head.length);
                value[VALUE_BYTES - 2] = '"';
                value[VALUE_BYTES - 1] = '}';
                // one at a time, acknowledged: a topic created a moment ago may still refuse a send with
                // NOT_LEADER, and a retry behind later in-flight batches is refused as out of order
                producer.send(new ProducerRecord<>(TOPIC, Integer.toString(i).getBytes(StandardCharsets.UTF_8),
                        value)).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
