package io.steadysink;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.steadysink.config.Channels;

import sun.misc.Signal;

/**
 * Entry point: the service, or with the argument {@value ReplayDeadLettersCommand#NAME} the replay
 * of dead-lettered records. A JVM ended by SIGTERM reports exit status 143 even after a clean
 * shutdown, which Kubernetes records as a failure; handling the signal turns it into an orderly stop
 * with status 0.
 */
@QuarkusMain
public final class SteadySinkMain {

    private SteadySinkMain() {
    }

    public static void main(String... args) {
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        if (args.length > 0 && args[0].equals(ReplayDeadLettersCommand.NAME)) {
            // a one-off command next to a running service: no consumer, no HTTP port
            System.setProperty(Channels.ENABLED_PROPERTY, "false");
            System.setProperty("quarkus.http.host-enabled", "false");
            Quarkus.run(ReplayDeadLettersCommand.class, args);
        } else {
            Quarkus.run(args);
        }
    }
}
