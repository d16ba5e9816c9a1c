package io.steadysink.failure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.smallrye.reactive.messaging.kafka.fault.KafkaDeadLetterQueue;
import io.steadysink.config.KafkaClientSettings;
import io.steadysink.sink.Origin;

/**
 * Sends dead-lettered records back to the topic they came from, once the cause is fixed: original
 * key, value, headers (without the {@code dead-letter-*} ones) and timestamp, to the original
 * partition, with {@link Origin} headers naming the original offset, under which the sink writes
 * it (so a record replayed twice lands once, and an old one never overwrites a newer write). The
 * records present when it starts are replayed; progress is committed under its own consumer group
 * ({@code <group>-dlq-replay}), so running it again replays only what was dead-lettered since.
 */
public final class DeadLetterReplay {

    /** Header naming where a replayed record was read from: {@code <dlq>-<partition>@<offset>}. */
    public static final String REPLAYED_FROM = "steady-sink-replayed-from";

    private static final Duration POLL = Duration.ofMillis(500);

    /** What a run did: records sent back per source topic, and records it could not place. */
    public record Summary(Map<String, Integer> replayed, int withoutSource, boolean dryRun) {

        public int total() {
            return replayed.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final String deadLetterTopic;
    private final String replayGroup;
    private final Map<String, Object> kafka;

    /**
     * @param kafka the client settings shared by every Kafka client of the application (bootstrap
     *        servers, security); consumer- or producer-only settings are picked by each client
     */
    public DeadLetterReplay(String deadLetterTopic, String sinkGroup, Map<String, Object> kafka) {
        this.deadLetterTopic = deadLetterTopic;
        this.replayGroup = sinkGroup + "-dlq-replay";
        this.kafka = kafka;
    }

    public String replayGroup() {
        return replayGroup;
    }

    /**
     * Replays every record of the dead-letter topic not replayed by an earlier run.
     *
     * @param dryRun count what would be replayed, send and commit nothing
     * @param progress told every few seconds how far it got
     */
    public Summary run(boolean dryRun, Consumer<String> progress) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(deadLetterTopic, Duration.ofSeconds(30));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("dead-letter topic " + deadLetterTopic
                        + " does not exist: check SINK_DLQ_TOPIC and KAFKA_BOOTSTRAP_SERVERS");
            }
            List<TopicPartition> assigned = partitions.stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(assigned);
            Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
            long total = end.entrySet().stream().mapToLong(e -> e.getValue() - consumer.position(e.getKey())).sum();
            progress.accept(total + " dead-lettered record(s) to replay from " + deadLetterTopic
                    + (dryRun ? " (dry run)" : ""));

            Map<String, Integer> replayed = new TreeMap<>();
            Map<String, Integer> partitionCounts = new HashMap<>();
            int withoutSource = 0;
            long done = 0;
            long lastReport = System.nanoTime();
            while (!finished(consumer, end)) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> dead : consumer.poll(POLL)) {
                    TopicPartition from = new TopicPartition(dead.topic(), dead.partition());
                    if (dead.offset() >= end.get(from)) {
                        continue; // dead-lettered after this run started: left for the next run
                    }
                    positions.put(from, new OffsetAndMetadata(dead.offset() + 1));
                    done++;
                    Optional<Origin> origin = origin(dead);
                    if (origin.isEmpty()) {
                        withoutSource++;
                        continue;
                    }
                    String source = origin.get().topic();
                    replayed.merge(source, 1, Integer::sum);
                    if (!dryRun) {
                        Integer partition = partition(origin.get(), producer, partitionCounts);
                        sent.add(producer.send(new ProducerRecord<>(source, partition, origin.get().timestamp(),
                                dead.key(), dead.value(), originalHeaders(dead, origin.get()))));
                    }
                }
                if (!dryRun) {
                    producer.flush();
                    for (Future<RecordMetadata> future : sent) {
                        future.get(); // a failed send stops the run before its offset is committed
                    }
                    if (!positions.isEmpty()) {
                        consumer.commitSync(positions);
                    }
                }
                if (System.nanoTime() - lastReport > Duration.ofSeconds(5).toNanos()) {
                    progress.accept("replayed " + done + " of " + total);
                    lastReport = System.nanoTime();
                }
            }
            return new Summary(replayed, withoutSource, dryRun);
        }
    }

    private static boolean finished(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /**
     * Where the dead letter first was: the origin a replayed record carried when it was
     * dead-lettered again, otherwise the connector's {@code dead-letter-topic/partition/offset}
     * headers with the timestamp steady-sink added when it handed the record over.
     */
    private static Optional<Origin> origin(ConsumerRecord<?, ?> dead) {
        Optional<Origin> earlier = Origin.named(dead.headers());
        if (earlier.isPresent()) {
            return earlier;
        }
        return Origin.parse(header(dead, KafkaDeadLetterQueue.DEAD_LETTER_TOPIC),
                header(dead, KafkaDeadLetterQueue.DEAD_LETTER_PARTITION),
                header(dead, KafkaDeadLetterQueue.DEAD_LETTER_OFFSET), Origin.timestamp(dead.headers()));
    }

    /** The original partition while the source topic still has it; otherwise the producer chooses. */
    private static Integer partition(Origin origin, KafkaProducer<?, ?> producer,
            Map<String, Integer> partitionCounts) {
        int count = partitionCounts.computeIfAbsent(origin.topic(), topic -> producer.partitionsFor(topic).size());
        return origin.partition() < count ? origin.partition() : null;
    }

    /**
     * The record's own headers, without the dead-letter and earlier origin ones, plus where it was
     * replayed from and its origin, under which the sink writes it.
     */
    private static List<Header> originalHeaders(ConsumerRecord<?, ?> dead, Origin origin) {
        List<Header> headers = new ArrayList<>();
        for (Header header : dead.headers()) {
            if (!header.key().startsWith("dead-letter-") && !Origin.isOriginHeader(header.key())) {
                headers.add(header);
            }
        }
        headers.add(Origin.header(REPLAYED_FROM, dead.topic() + "-" + dead.partition() + "@" + dead.offset()));
        headers.addAll(origin.headers());
        return headers;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null
                ? null
                : new String(header.value(), StandardCharsets.UTF_8);
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = KafkaClientSettings.only(kafka, ConsumerConfig.configNames());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, replayGroup);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, replayGroup);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return config;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = KafkaClientSettings.only(kafka, ProducerConfig.configNames());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, replayGroup + "-producer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return config;
    }
}
