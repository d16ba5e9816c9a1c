package io.steadysink.config;

/**
 * Channel and worker-pool names, shared by annotations, configuration, tests and docs. Kept
 * apart from the composition root ({@code SteadySinkWiring}) so that naming a channel does not tie a
 * class to every bean the wiring builds: this class depends on nothing.
 */
public final class Channels {

    /** The incoming batch channel fed by {@code SINK_TOPICS}. */
    public static final String EVENTS = "events";

    /** Set to {@code false} by one-off commands that must not join the consumer group. */
    public static final String ENABLED_PROPERTY = "mp.messaging.incoming." + EVENTS + ".enabled";

    /** Worker pool running sink writes; sized by {@code SINK_WORKERS}. */
    public static final String SINK_WRITERS = "sink-writers";

    /** CDI identifier of the rebalance listener the channel is configured with. */
    public static final String REBALANCE_LISTENER = "steady-sink-rebalance-listener";

    private Channels() {
    }
}
