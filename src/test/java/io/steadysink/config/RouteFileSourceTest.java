package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigValue;

/** The route file becomes configuration, or one problem line for the config doctor. */
class RouteFileSourceTest {

    @TempDir
    Path dir;

    @Test
    void routesBecomeSinkSettingsAndTheChannelSubscribesToSinkTopicsAndEveryRouteTopic() throws IOException {
        Path file = write("""
                routes:
                  orders:
                    topics: [orders, returns]
                    table: public.orders
                    columns:
                      id: /id
                """);

        Map<String, String> config = read(Map.of("sink.routes-file", file.toString(), "sink.topics", "events,orders"));

        assertThat(config).containsEntry("sink.routes.orders.table", "public.orders")
                .containsEntry("sink.routes.orders.columns.id", "/id")
                .containsEntry("mp.messaging.incoming.events.topics", "events,orders,returns")
                .doesNotContainKey(RouteFileSource.PROBLEM);
    }

    @Test
    void aMisspelledSettingIsAProblemNamingTheRouteAndTheSettingsARouteHas() throws IOException {
        Path file = write("""
                routes:
                  orders:
                    topics: [orders]
                    table: orders
                    colums:
                      id: /id
                """);

        assertThat(read(Map.of("sink.routes-file", file.toString()))).containsEntry(RouteFileSource.PROBLEM,
                "SINK_ROUTES_FILE=" + file + ": route orders has no setting \"colums\"; a route has columns,"
                        + " deleted-column, epoch-units, identity, key-format, mode, schema-changes, table, tombstones,"
                        + " topics, truncate, types, unavailable-value-placeholder, value-format");
    }

    @Test
    void aMissingFileBrokenYamlOrAnotherTopLevelKeyIsAProblemNotAStackTrace() throws IOException {
        assertThat(read(Map.of("sink.routes-file", dir.resolve("absent.yaml").toString())).get(RouteFileSource.PROBLEM))
                .startsWith("SINK_ROUTES_FILE=" + dir.resolve("absent.yaml") + " cannot be read (NoSuchFileException")
                .endsWith("mount the route file there or unset SINK_ROUTES_FILE");
        assertThat(read(Map.of("sink.routes-file", write("routes: [unclosed").toString())).get(RouteFileSource.PROBLEM))
                .contains("is not valid YAML");
        assertThat(read(Map.of("sink.routes-file", write("route:\n  a:\n    table: t\n").toString()))
                .get(RouteFileSource.PROBLEM))
                .endsWith("has \"route\" at the top level; a route file holds only routes:");
    }

    @Test
    void withoutARouteFileNothingIsAdded() {
        assertThat(new RouteFileSource().getConfigSources(context(Map.of()))).isEmpty();
    }

    private Path write(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "routes", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Map<String, String> read(Map<String, String> given) {
        Map<String, String> all = new HashMap<>();
        for (ConfigSource source : new RouteFileSource().getConfigSources(context(given))) {
            all.putAll(source.getProperties());
        }
        return all;
    }

    private static ConfigSourceContext context(Map<String, String> values) {
        return new ConfigSourceContext() {
            @Override
            public ConfigValue getValue(String name) {
                String value = values.get(name);
                return value == null ? null : ConfigValue.builder().withName(name).withValue(value).build();
            }

            @Override
            public Iterator<String> iterateNames() {
                return values.keySet().iterator();
            }
        };
    }
}
