package io.steadysink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.smallrye.config.WithDefault;

class SinkConfigDefaultsTest {

    private static final Pattern FALLBACK = Pattern.compile("\\$\\{sink\\.([a-z-]+):([^}]*)}");

    @Test
    void fallbacksInApplicationPropertiesEqualTheMappingDefaults() throws IOException {
        Map<String, String> defaults = new HashMap<>();
        for (Method method : SinkConfig.class.getMethods()) {
            WithDefault value = method.getAnnotation(WithDefault.class);
            if (value != null) {
                defaults.put(method.getName().replaceAll("([A-Z])", "-$1").toLowerCase(), value.value());
            }
        }
        String properties;
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            properties = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("(?m)^#.*$", "");
        }

        Matcher fallback = FALLBACK.matcher(properties);
        int checked = 0;
        while (fallback.find()) {
            String name = fallback.group(1);
            if (name.equals("auto-offset-reset")) {
                assertThat(fallback.group(2)).as("safety net only, never a silent start point").isEqualTo("none");
            } else if (name.equals("drain-timeout-ms")) {
                assertThat(fallback.group(2)).as("the derived drain budget's cap")
                        .isEqualTo(Long.toString(ConfigDoctor.DEFAULT_DRAIN_TIMEOUT_MS));
            } else {
                assertThat(defaults).as("sink.%s", name).containsEntry(name, fallback.group(2));
            }
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(8);
    }
}
