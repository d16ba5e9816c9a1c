package io.steadysink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The dependencies between packages that their {@code package-info.java} promises. */
class PackageImportsTest {

    private static final Path MAIN = Path.of("src", "main", "java", "io", "steadysink");
    private static final List<String> PACKAGES = List.of("config", "sink", "metrics", "failure", "consumer",
            "health", "startup", "format");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?io\\.steadysink\\.([a-z]+)\\.");

    @Test
    void startupImportsNoOtherPackageOfTheProject() {
        assertThat(importedPackages("startup")).as("packages startup imports, with the files that do").isEmpty();
    }

    @Test
    void configImportsNoOtherPackageOfTheProjectButStartupAndFormat() {
        assertThat(importedPackages("config").keySet()).as("packages config imports").isSubsetOf("startup",
                "format");
    }

    @Test
    void formatImportsNoOtherPackageOfTheProject() {
        assertThat(importedPackages("format")).as("packages format imports, with the files that do").isEmpty();
    }

    @Test
    void metricsImportsNoOtherPackageOfTheProject() {
        assertThat(importedPackages("metrics")).as("packages metrics imports, with the files that do").isEmpty();
    }

    @Test
    void sinkImportsConfigStartupAndFormatOnly() {
        assertThat(importedPackages("sink").keySet()).as("packages sink imports").contains("config")
                .isSubsetOf("config", "startup", "format");
    }

    @Test
    void failureImportsNeitherTheConsumerNorHealth() {
        assertThat(importedPackages("failure").keySet()).as("packages failure imports")
                .isSubsetOf("config", "sink", "metrics", "startup", "format");
    }

    @Test
    void consumerImportsNoHealthType() {
        assertThat(importedPackages("consumer").keySet()).as("packages consumer imports")
                .isSubsetOf("config", "sink", "failure", "metrics", "startup");
    }

    @Test
    void noTwoPackagesImportEachOther() {
        Map<String, Set<String>> imports = new TreeMap<>();
        for (String name : PACKAGES) {
            imports.put(name, importedPackages(name).keySet());
        }
        Set<String> twoWay = new TreeSet<>();
        imports.forEach((name, imported) -> imported.stream()
                .filter(other -> imports.getOrDefault(other, Set.of()).contains(name))
                .forEach(other -> twoWay.add(name + " <-> " + other)));
        assertThat(twoWay).as("package pairs that import each other").isEmpty();
    }

    /** The project's packages that the main sources of {@code name} import, each with the files that do. */
    private static Map<String, Set<String>> importedPackages(String name) {
        Map<String, Set<String>> imported = new TreeMap<>();
        try (Stream<Path> files = Files.list(MAIN.resolve(name))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher matcher = IMPORT.matcher(Files.readString(file));
                while (matcher.find()) {
                    if (!matcher.group(1).equals(name)) {
                        imported.computeIfAbsent(matcher.group(1), p -> new TreeSet<>())
                                .add(file.getFileName().toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return imported;
    }
}
