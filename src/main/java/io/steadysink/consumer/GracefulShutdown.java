package io.steadysink.consumer;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;
import io.steadysink.config.Channels;
import io.steadysink.config.StartupConfigCheck;

/**
 * On shutdown (SIGTERM), stops handing new batches to the workers and waits up to
 * {@code SINK_DRAIN_TIMEOUT_MS} for the running ones. Runs before the connector closes; the
 * connector then commits everything written and the consumer leaves its group. Batches still
 * queued are never acknowledged, so the next owner of their partitions re-delivers them.
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

    void onShutdown(@Observes ShutdownEvent event, ChannelRegistry channels, InFlightBatches inFlight,
            StartupConfigCheck settings) {
        PausableChannel channel = channels.getPausable(Channels.EVENTS);
        if (channel == null) {
            return; // a one-off command: no consumer ran
        }
        channel.pause();
        Duration budget = settings.drainTimeout();
        int running = inFlight.count();
        LOG.infof("Shutting down: no new batches; waiting up to %d ms for %d in-flight batch(es)", budget.toMillis(),
                running);
        try {
            if (inFlight.awaitIdle(budget)) {
                LOG.infof("In-flight batches finished; committing and leaving the group");
            } else {
                LOG.warnf("%d batch(es) still running after %d ms are abandoned uncommitted and will be re-delivered",
                        inFlight.count(), budget.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
