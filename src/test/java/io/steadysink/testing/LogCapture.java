package io.steadysink.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;

/**
 * The log lines of one category of the application under test, as {@code LEVEL message}. Install
 * it from a test resource, so that it sees the lines logged while the application starts. Quarkus
 * loads test classes again for each application, so the lines are found through the logger itself
 * (shared by every class loader) and read through a JDK interface.
 */
public final class LogCapture {

    private LogCapture() {
    }

    /** Starts keeping the lines of {@code category} (and the categories below it), once per JVM. */
    public static void install(String category) {
        synchronized (System.class) {
            if (capture(category) == null) {
                Logger.getLogger(category).addHandler(new Lines());
            }
        }
    }

    /** The lines of {@code category} kept since {@link #install}, oldest first. */
    public static List<String> lines(String category) {
        Supplier<List<String>> lines = capture(category);
        if (lines == null) {
            throw new IllegalStateException("LogCapture.install(\"" + category + "\") was not called");
        }
        return lines.get();
    }

    @SuppressWarnings("unchecked")
    private static Supplier<List<String>> capture(String category) {
        for (Handler handler : Logger.getLogger(category).getHandlers()) {
            if (handler instanceof Supplier<?> lines) {
                return (Supplier<List<String>>) lines;
            }
        }
        return null;
    }

    private static final class Lines extends Handler implements Supplier<List<String>> {

        private final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            lines.add(record.getLevel().getName() + " " + message);
        }

        @Override
        public List<String> get() {
            return List.copyOf(lines);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
