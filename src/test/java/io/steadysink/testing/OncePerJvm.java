package io.steadysink.testing;

import java.util.function.Supplier;

/**
 * A test server started once per JVM, whichever class loader asks first: Quarkus loads test
 * classes again for each application restart, so what names the server (its port or address) is
 * kept in a system property that every class loader sees, and the server is closed by a shutdown
 * hook when the JVM exits.
 */
public final class OncePerJvm {

    private OncePerJvm() {
    }

    /**
     * The value kept under {@code property}; on first use, what {@code start} returns once it has
     * started the server.
     */
    public static String value(String property, Supplier<String> start) {
        synchronized (System.class) {
            String shared = System.getProperty(property);
            if (shared == null) {
                shared = start.get();
                System.setProperty(property, shared);
            }
            return shared;
        }
    }

    /** Closes {@code server} when the JVM exits, on a thread called {@code name}. */
    public static void closeAtExit(String name, AutoCloseable server) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                // the JVM is exiting; nothing to recover
            }
        }, name));
    }
}
