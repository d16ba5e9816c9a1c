package io.steadysink.startup;

/**
 * What the process's exit status tells whoever started it (Kubernetes, a script, an operator). The
 * table in docs/operations.md, "Start-up messages and exit codes", lists the same.
 */
public enum ExitCode {

    /** Stopped on request (SIGTERM or SIGINT, at any moment, start-up included); a command finished. */
    STOPPED(0),

    /** Something steady-sink does not know how to classify: a bug or an unforeseen failure. */
    UNEXPECTED(1),

    /** Settings refused: an environment variable must change. */
    SETTINGS_REFUSED(2),

    /** A dependency (PostgreSQL, Kafka) stayed unavailable past {@code SINK_STARTUP_WAIT_MS}. */
    DEPENDENCY_UNAVAILABLE(3),

    /**
     * A dependency refuses steady-sink: wrong credentials, a missing privilege or database, a table of
     * another shape, a recreated topic. A person must change the database or the broker.
     */
    ACCESS_REFUSED(4);

    private final int status;

    ExitCode(int status) {
        this.status = status;
    }

    /** The process exit status. */
    public int status() {
        return status;
    }
}
