package io.steadysink.consumer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.apache.kafka.clients.consumer.Consumer;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.steadysink.config.Channels;

/**
 * A look at the consumer between two polls, on its polling thread (the only thread that may touch
 * it): the partitions the connector paused, the consumer's assignment (partitions that left it
 * without a revocation were lost: {@link GroupMembership}), and commits of partitions whose every
 * fetched record is written ({@link InFlightBatches#commitSettled}). Waits at most 2 s for a busy
 * polling thread; no second look is queued while one waits.
 */
@ApplicationScoped
public class PollingThreadLook {

    private static final Duration WAIT = Duration.ofSeconds(2);

    private final Instance<KafkaClientService> clients;
    private final GroupMembership membership;
    private final InFlightBatches inFlight;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile int pausedPartitions;

    PollingThreadLook(Instance<KafkaClientService> clients, GroupMembership membership, InFlightBatches inFlight) {
        this.clients = clients;
        this.membership = membership;
        this.inFlight = inFlight;
    }

    /** Looks, once the group is joined; keeps the last answers when the polling thread is busy. */
    public void look() {
        if (!membership.joined() || !clients.isResolvable()) {
            return;
        }
        KafkaConsumer<Object, Object> channel = clients.get().getConsumer(Channels.EVENTS);
        if (channel == null || !queued.compareAndSet(false, true)) {
            return;
        }
        java.util.function.Consumer<Consumer<Object, Object>> look = groupConsumer -> {
            pausedPartitions = groupConsumer.paused().size();
            membership.observed(groupConsumer.assignment());
            inFlight.commitSettled(groupConsumer);
        };
        try {
            channel.runOnPollingThread(look).onTermination().invoke(() -> queued.set(false)).await().atMost(WAIT);
        } catch (RuntimeException e) {
            // the polling thread is busy (e.g. draining a revocation): keep the last answers
        }
    }

    /** Partitions the connector had paused at the last look (backpressure). */
    public int pausedPartitions() {
        return pausedPartitions;
    }
}
