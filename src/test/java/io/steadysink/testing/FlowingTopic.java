package io.steadysink.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A topic receiving a steady stream of JSON records {@code {"id":n,...}} from a background producer,
 * remembering where each one landed ({@code partition@offset → id}): the oracle that an append
 * table must equal.
 */
public final class FlowingTopic {

    private final String topic;
    private final int records;
    private final Map<String, Integer> produced = new ConcurrentHashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);

    public FlowingTopic(String topic, int partitions, int records) {
        this.topic = topic;
        this.records = records;
        LocalKafka.createTopic(topic, partitions);
    }

    /** Starts producing about {@code perSecond} records a second in a background thread. */
    public FlowingTopic start(int perSecond) {
        Thread producer = new Thread(() -> produce(perSecond), "producer-" + topic);
        producer.setDaemon(true);
        producer.start();
        return this;
    }

    public boolean isDone() {
        return done.getCount() == 0;
    }

    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Where every acknowledged record landed: {@code partition@offset → id}. */
    public Map<String, Integer> produced() {
        return new HashMap<>(produced);
    }

    public int records() {
        return records;
    }

    private void produce(int perSecond) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalKafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        int chunk = Math.max(1, perSecond / 10);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int id = 0; id < records; id++) {
                int recordId = id;
                producer.send(new ProducerRecord<>(topic, "k" + (id % 997),
                        "{\"id\":" + id + ",\"pad\":\"" + "x".repeat(100) + "\"}"), (metadata, error) -> {
                            if (error == null) {
                                produced.put(metadata.partition() + "@" + metadata.offset(), recordId);
                            }
                        });
                if (id % chunk == chunk - 1) {
                    Thread.sleep(100);
                }
            }
            producer.flush();
            if (produced.size() == records) {
                done.countDown();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
