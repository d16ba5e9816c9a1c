package io.steadysink.testing;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The entry point of a server JVM the tests start (Kafka Connect, the schema registry): runs the main
 * class named by the first argument with the others, and halts as soon as standard input closes,
 * i.e. when the JVM that started it is gone, however it went. Uses nothing but the JDK, so it can
 * stand alone on a class path of its own.
 */
public final class ParentWatchdog {

    private ParentWatchdog() {
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try (InputStream parent = System.in) {
                while (parent.read() != -1) {
                    // nothing is ever sent; only the end of the stream matters
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone all the same
            }
            Runtime.getRuntime().halt(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) rest);
    }
}
