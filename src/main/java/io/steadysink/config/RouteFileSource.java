package io.steadysink.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.source.yaml.YamlConfigSource;

/**
 * Reads the route file ({@code SINK_ROUTES_FILE}) into the configuration: its {@code routes:} become
 * {@code sink.routes.*} ({@link SinkConfig#routes()}), and the channel subscribes to every topic a
 * route names besides {@code SINK_TOPICS}. A file that cannot be read or parsed, or holds more than
 * {@code routes:}, does not stop start-up here with a stack trace: it becomes
 * {@value #PROBLEM}, which the config doctor reports in one line next to every other problem.
 * Ordinal {@value #ORDINAL}: above {@code application.properties}, below environment variables.
 */
public final class RouteFileSource implements ConfigSourceFactory {

    /** Where a problem with the route file itself is left for the config doctor. */
    public static final String PROBLEM = "sink.routes-file-problem";

    static final int ORDINAL = 275;

    private static final Pattern TOPICS = Pattern.compile("routes\\.[^.]+\\.topics(\\[\\d+])?");

    /** {@code routes.<name>.<setting>...}: the setting a property belongs to. */
    private static final Pattern SETTING = Pattern.compile("routes\\.(\"[^\"]*\"|[^.]+)\\.([^.\\[]+).*");

    /** The settings of a route ({@link RouteSettings}), as the file spells them. */
    static final Set<String> SETTINGS = Set.of("topics", "table", "mode", "identity", "columns", "epoch-units",
            "tombstones", "deleted-column", "types", "schema-changes", "truncate", "unavailable-value-placeholder",
            "value-format", "key-format");

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue file = context.getValue("sink.routes-file");
        if (file == null || file.getValue() == null || file.getValue().isBlank()) {
            return List.of();
        }
        Path path = Path.of(file.getValue().trim());
        String name = "route file " + path;
        Map<String, String> properties = new TreeMap<>();
        try {
            String yaml = Files.readString(path, StandardCharsets.UTF_8);
            YamlConfigSource parsed = new YamlConfigSource(name, yaml, ORDINAL);
            Set<String> topics = new LinkedHashSet<>(split(context.getValue("sink.topics")));
            Set<String> problems = new LinkedHashSet<>();
            for (String property : parsed.getPropertyNames()) {
                String value = parsed.getValue(property);
                if (!property.startsWith("routes.")) {
                    properties.put(PROBLEM, "SINK_ROUTES_FILE=" + path + " has \"" + property.split("\\.")[0]
                            + "\" at the top level; a route file holds only routes:");
                    continue;
                }
                Matcher setting = SETTING.matcher(property);
                if (setting.matches() && !SETTINGS.contains(setting.group(2))) {
                    problems.add("SINK_ROUTES_FILE=" + path + ": route " + setting.group(1) + " has no setting \""
                            + setting.group(2) + "\"; a route has "
                            + String.join(", ", new TreeSet<>(SETTINGS)));
                    continue;
                }
                properties.put("sink." + property, value);
                if (TOPICS.matcher(property).matches() && value != null) {
                    topics.addAll(split(value));
                }
            }
            if (parsed.getPropertyNames().isEmpty()) {
                properties.put(PROBLEM, "SINK_ROUTES_FILE=" + path + " declares no routes; write routes: with at"
                        + " least one route (docs/routes.md)");
            }
            properties.put("mp.messaging.incoming." + Channels.EVENTS + ".topics", String.join(",", topics));
            if (!problems.isEmpty() && !properties.containsKey(PROBLEM)) {
                properties.put(PROBLEM, String.join("; ", problems));
            }
        } catch (IOException e) {
            properties.put(PROBLEM, "SINK_ROUTES_FILE=" + path + " cannot be read (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + "); mount the route file there or unset SINK_ROUTES_FILE");
        } catch (RuntimeException e) {
            properties.put(PROBLEM, "SINK_ROUTES_FILE=" + path + " is not valid YAML: "
                    + firstLine(e.getMessage()) + "; see docs/routes.md for the format");
        }
        return List.of(new PropertiesConfigSource(properties, name, ORDINAL));
    }

    private static List<String> split(ConfigValue value) {
        return value == null || value.getValue() == null ? List.of() : split(value.getValue());
    }

    private static List<String> split(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(topic -> !topic.isEmpty()).toList();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
