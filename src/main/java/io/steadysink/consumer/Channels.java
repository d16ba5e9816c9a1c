package io.steadysink.consumer;

/** Channel and worker-pool names, shared by annotations, configuration, tests and docs. */
public final class Channels {

    /** The incoming batch channel fed by {@code SINK_TOPICS}. */
    public static final String EVENTS = "events";

    /** Worker pool running sink writes; sized by {@code SINK_WORKERS}. */
    public static final String SINK_WRITERS = "sink-writers";

    private Channels() {
    }
}
