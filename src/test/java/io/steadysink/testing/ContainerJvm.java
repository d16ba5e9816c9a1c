package io.steadysink.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM options the container image starts steady-sink with ({@code JAVA_OPTS} in
 * {@code src/main/docker/Dockerfile.jvm}), for running the packaged application the way the pod
 * does, under a simulated memory limit ({@code -XX:MaxRAM}: the JVM sizes its heap from it as it
 * would from the cgroup's limit).
 */
public final class ContainerJvm {

    private static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");
    private static final Pattern JAVA_OPTS = Pattern.compile("(?m)^ENV JAVA_OPTS=\"([^\"]*)\"");
    private static final Pattern MALLOC_ARENA_MAX = Pattern.compile("(?m)^ENV MALLOC_ARENA_MAX=(\\d+)");

    private ContainerJvm() {
    }

    /** The options of {@code ENV JAVA_OPTS="..."} in the JVM Dockerfile. */
    public static String options() {
        Matcher options = JAVA_OPTS.matcher(dockerfile());
        if (!options.find()) {
            throw new IllegalStateException(DOCKERFILE + " sets no JAVA_OPTS");
        }
        return options.group(1).trim();
    }

    private static String dockerfile() {
        try {
            return Files.readString(DOCKERFILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds to {@code env} the container's JVM options with {@code -XX:MaxRAM=<limit>} (e.g.
     * {@code 256m}), passed as {@code JAVA_TOOL_OPTIONS}, which the JVM reads without a command-line change,
     * and the image's {@code MALLOC_ARENA_MAX}.
     */
    public static Map<String, String> limitTo(Map<String, String> env, String limit) {
        String existing = env.getOrDefault("JAVA_TOOL_OPTIONS", "");
        env.put("JAVA_TOOL_OPTIONS", (options() + " -XX:MaxRAM=" + limit + " " + existing).trim());
        Matcher arenas = MALLOC_ARENA_MAX.matcher(dockerfile());
        if (arenas.find()) {
            env.put("MALLOC_ARENA_MAX", arenas.group(1));
        }
        return env;
    }

    /** {@code 256m}, {@code 1g} or a plain number of bytes, in bytes. */
    public static long bytes(String size) {
        String value = size.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = switch (value.charAt(value.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? value : value.substring(0, value.length() - 1)) * unit;
    }
}
