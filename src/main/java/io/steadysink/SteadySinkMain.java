package io.steadysink;

import java.util.concurrent.atomic.AtomicReference;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.steadysink.config.Channels;
import io.steadysink.startup.StartupExit;
import io.steadysink.startup.StopSignal;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point: the service, or with the argument {@value ReplayDeadLettersCommand#NAME} the replay
 * of dead-lettered records. Both end through {@link StartupExit}: an exit code that tells a refused
 * setting, an unavailable dependency and a refusing one apart, and one line on standard error.
 * <p>
 * SIGTERM and SIGINT are handled here: a JVM ended by SIGTERM reports exit status 143 even after a
 * clean shutdown, which Kubernetes records as a failure, and a stop requested while start-up still
 * runs would wait for start-up to end (Quarkus acts on it only then; a JVM shutdown hook would
 * block behind it). The handlers release the {@link StopSignal}, on which every start-up wait gives
 * up at once, and ask Quarkus for an orderly stop with status 0. In dev mode, which outlives a failed
 * start waiting for the next change, the JVM's own handling of the signal ends the process.
 */
@QuarkusMain
public final class SteadySinkMain {

    private SteadySinkMain() {
    }

    public static void main(String... args) {
        for (String name : new String[]{"TERM", "INT"}) {
            AtomicReference<SignalHandler> jvm = new AtomicReference<>();
            jvm.set(Signal.handle(new Signal(name), signal -> {
                if (LaunchMode.current() == LaunchMode.DEVELOPMENT) {
                    jvm.get().handle(signal); // dev mode outlives a failed start: the JVM's own handling ends it
                    return;
                }
                StopSignal.process().request();
                Quarkus.asyncExit(0);
            }));
        }
        if (args.length > 0 && args[0].equals(ReplayDeadLettersCommand.NAME)) {
            // a one-off command next to a running service: no consumer, no HTTP port
            System.setProperty(Channels.ENABLED_PROPERTY, "false");
            System.setProperty("quarkus.http.host-enabled", "false");
            Quarkus.run(ReplayDeadLettersCommand.class, StartupExit::exit, args);
        } else {
            Quarkus.run(SteadySinkService.class, StartupExit::exit, args);
        }
    }
}
