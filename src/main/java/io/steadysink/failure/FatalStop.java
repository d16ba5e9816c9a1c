package io.steadysink.failure;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import io.steadysink.config.Channels;
import io.steadysink.config.SinkConfig;

/**
 * Stops consuming after a fatal failure: logs one line saying what to fix, pauses the channel (no
 * further batches start; the failed batch is neither acknowledged nor nacked, so nothing past it is
 * committed) and keeps the reason for the liveness check, which then reports DOWN so Kubernetes
 * restarts the pod. A restart is the only way out: the failure needs a person, not a retry.
 */
@ApplicationScoped
public class FatalStop {

    private static final Logger LOG = Logger.getLogger(FatalStop.class);

    /** Why the consumer is stopped. */
    public record Stopped(String reason) {
    }

    private final AtomicReference<Stopped> stopped = new AtomicReference<>();
    private final ChannelRegistry channels;
    private final String table;

    FatalStop(ChannelRegistry channels, SinkConfig config) {
        this.channels = channels;
        this.table = config.table();
    }

    public void stop(Throwable failure) {
        Stopped now = new Stopped(FatalAdvice.of(failure, table));
        if (stopped.compareAndSet(null, now)) {
            LOG.errorf("Consumer stopped: %s", now.reason());
            LOG.debug("Fatal failure", failure);
            PausableChannel channel = channels.getPausable(Channels.EVENTS);
            if (channel != null) {
                channel.pause();
            }
        } else {
            LOG.debugf(failure, "Another fatal failure after the consumer stopped");
        }
    }

    public Optional<Stopped> stopped() {
        return Optional.ofNullable(stopped.get());
    }
}
