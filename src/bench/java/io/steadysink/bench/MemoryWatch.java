package io.steadysink.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.steadysink.testing.ContainerJvm;
import io.steadysink.testing.SteadySinkProcess;

/**
 * A steady-sink run the way the pod runs it: {@code -Dbench.memory-limit=512m} starts the application
 * with the container image's JVM options and {@code -XX:MaxRAM} at that limit (the heap sized as the
 * cgroup's limit would size it), samples its resident memory while it writes and reports peak RSS,
 * steady RSS (the median sample) and whether it stayed under the limit. {@code -Dbench.nmt=true}
 * adds native memory tracking and saves {@code jcmd} summaries (native memory, heap, class
 * histogram) beside the results.
 */
final class MemoryWatch implements AutoCloseable {

    static final String LIMIT = System.getProperty("bench.memory-limit", "").trim();
    static final boolean NMT = Boolean.getBoolean("bench.nmt");

    private final SteadySinkProcess app;
    private final List<Long> samples = Collections.synchronizedList(new ArrayList<>());
    private final Thread sampler;
    private volatile boolean running = true;

    private MemoryWatch(SteadySinkProcess app) {
        this.app = app;
        this.sampler = new Thread(this::sample, "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Adds the container's JVM options under {@link #LIMIT} (when set) and NMT (when asked) to {@code env}. */
    static void configure(Map<String, String> env) {
        if (!LIMIT.isEmpty()) {
            ContainerJvm.limitTo(env, LIMIT);
        }
        if (NMT) {
            env.merge("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary", (a, b) -> a + " " + b);
        }
    }

    /** Starts sampling {@code VmRSS} of the application every 200 ms. */
    static MemoryWatch watch(SteadySinkProcess app) {
        return new MemoryWatch(app);
    }

    private void sample() {
        while (running) {
            long rss = status("VmRSS:");
            if (rss > 0) {
                samples.add(rss);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Median of the samples so far, in MiB. */
    double steadyMb() {
        List<Long> sorted;
        synchronized (samples) {
            sorted = new ArrayList<>(samples);
        }
        Collections.sort(sorted);
        return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2) / 1024.0 / 1024.0;
    }

    /**
     * Stops sampling and describes the run's memory; with NMT, saves the {@code jcmd} reports as
     * {@code target/bench/<name>-memory.txt}.
     */
    String report(String name, Path out) {
        running = false;
        double peak = app.peakResidentBytes() / 1024.0 / 1024.0;
        String limit = LIMIT.isEmpty()
                ? "no limit"
                : "limit " + LIMIT + ", " + (app.peakResidentBytes() <= ContainerJvm.bytes(LIMIT)
                        ? "stayed under it"
                        : "WENT OVER IT");
        if (NMT) {
            StringBuilder reports = new StringBuilder();
            for (String command : List.of("VM.native_memory summary", "GC.heap_info", "GC.class_histogram")) {
                reports.append("### jcmd ").append(command).append('\n').append(jcmd(command)).append('\n');
            }
            try {
                Files.writeString(out.resolve(name + "-memory.txt"), reports);
            } catch (IOException e) {
                limit += ", could not save the jcmd reports: " + e.getMessage();
            }
        }
        return String.format(Locale.ROOT, "peak RSS %.0f MiB, steady RSS %.0f MiB (median of %d samples), %s",
                peak, steadyMb(), samples.size(), limit);
    }

    private String jcmd(String command) {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(app.pid())));
        line.addAll(List.of(command.split(" ")));
        try {
            Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
            String output = new String(jcmd.getInputStream().readAllBytes());
            jcmd.waitFor(60, TimeUnit.SECONDS);
            return output;
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    private long status(String field) {
        return SteadySinkProcess.statusBytes(app.pid(), field);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
