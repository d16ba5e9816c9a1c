package io.steadysink;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import sun.misc.Signal;

/**
 * Entry point. A JVM ended by SIGTERM reports exit status 143 even after a clean shutdown, which
 * Kubernetes records as a failure; handling the signal turns it into an orderly stop with status 0.
 */
@QuarkusMain
public final class SteadySinkMain {

    private SteadySinkMain() {
    }

    public static void main(String... args) {
        Signal.handle(new Signal("TERM"), signal -> Quarkus.asyncExit(0));
        Quarkus.run(args);
    }
}
