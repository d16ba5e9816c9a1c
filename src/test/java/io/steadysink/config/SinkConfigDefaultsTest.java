package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.WithDefault;

/** Every default of a {@code SINK_*} setting is declared once, by {@code @WithDefault} on {@link SinkConfig}. */
class SinkConfigDefaultsTest {

    private static final Pattern TABLE_ROW = Pattern.compile("\\| `(SINK_[A-Z0-9_]+)` \\|([^|]*)\\|.*");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{sink\\.([a-z-]+)(?::([^}]*))?}");

    @Test
    void applicationPropertiesRepeatAMappingDefaultOnlyForTheWorkerPool() throws IOException {
        Map<String, String> fallbacks = new HashMap<>();
        Matcher reference = REFERENCE.matcher(applicationProperties());
        int references = 0;
        while (reference.find()) {
            references++;
            if (reference.group(2) != null) {
                fallbacks.put(reference.group(1), reference.group(2));
            }
        }

        assertThat(references).as("settings application.properties passes on").isGreaterThanOrEqualTo(8);
        assertThat(fallbacks).as("fallbacks in ${sink.x:fallback}: where the setting has no default, and for the"
                + " worker pool, read before the mapping's defaults are known")
                .containsOnlyKeys("auto-offset-reset", "drain-timeout-ms", "workers")
                .containsEntry("auto-offset-reset", "none")
                .containsEntry("drain-timeout-ms", Long.toString(ConfigDoctor.DEFAULT_DRAIN_TIMEOUT_MS))
                .containsEntry("workers", mappingDefault("workers"));
    }

    @Test
    void configurationTableShowsEveryMappingDefault() throws IOException {
        Map<String, String> documented = new HashMap<>();
        for (String row : Files.readAllLines(Path.of("docs", "configuration.md"))) {
            Matcher setting = TABLE_ROW.matcher(row);
            if (setting.matches()) {
                documented.put(setting.group(1), setting.group(2).trim());
            }
        }
        int checked = 0;
        for (Method method : SinkConfig.class.getDeclaredMethods()) {
            WithDefault value = method.getAnnotation(WithDefault.class);
            if (value != null) {
                String variable = "SINK_" + method.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                        .toUpperCase(Locale.ROOT);
                assertThat(documented.get(variable)).as("default of %s in docs/configuration.md", variable)
                        .isEqualTo("`" + value.value() + "`");
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(15);
    }

    private static String mappingDefault(String method) {
        try {
            return SinkConfig.class.getMethod(method).getAnnotation(WithDefault.class).value();
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    private String applicationProperties() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^#.*$", "");
        }
    }
}
