package io.steadysink.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment variables the application reads, as the table under the {@code # Configuration}
 * heading of {@code docs/configuration.md} documents them ({@code | `NAME` | default | meaning |} rows,
 * several names per row allowed; wildcard rows such as {@code KAFKA_*} name no variable). The table
 * ends at the next {@code ## } heading. {@code DeployManifestsTest} also checks this table against
 * {@code SinkConfig}.
 */
final class DocumentedSettings {

    private static final Path DOCUMENT = Path.of("docs", "configuration.md");
    private static final String HEADING = "# Configuration";

    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Z0-9_]*[A-Z0-9])`");

    private DocumentedSettings() {
    }

    static Set<String> variables() {
        List<String> lines = document();
        int start = lines.indexOf(HEADING);
        if (start < 0) {
            throw new AssertionError(DOCUMENT + " has no '" + HEADING + "' heading");
        }
        Set<String> names = new TreeSet<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String firstCell = line.substring(1, line.indexOf('|', 1));
            Matcher matcher = NAME.matcher(firstCell);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        if (names.isEmpty()) {
            throw new AssertionError(DOCUMENT + ": the Configuration table names no variable");
        }
        return names;
    }

    private static List<String> document() {
        try {
            return Files.readAllLines(DOCUMENT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
