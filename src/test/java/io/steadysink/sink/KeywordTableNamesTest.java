package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
import io.steadysink.testing.LocalPostgres;

/** Table names that are PostgreSQL key words but not reserved ones, as the migrations and writers use them. */
class KeywordTableNamesTest {

    /**
     * Every other key word is a table both modes can create, write and replay into, with the SQL the
     * migrations and writers run (each word in a transaction that is rolled back).
     */
    @Test
    void everyKeywordPostgresDoesNotReserveWorksAsATableInBothModes() throws Exception {
        Map<SinkMode, List<String>> migrations = migrations();
        List<String> failures = new ArrayList<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            List<String> words = new ArrayList<>();
            try (ResultSet rows = statement
                    .executeQuery("SELECT word FROM pg_get_keywords() WHERE catcode NOT IN ('R', 'T')")) {
                while (rows.next()) {
                    words.add(rows.getString(1));
                }
            }
            assertThat(words).contains("between", "type", "values", "xmltable").hasSizeGreaterThan(300);
            for (String word : words) {
                TableName table = TableName.of(word);
                try {
                    for (String script : migrations.get(SinkMode.APPEND)) {
                        statement.execute(script.replace("${table}", word));
                    }
                    List<SinkRecord> batch = List.of(
                            new SinkRecord("t", 0, 1, "k".getBytes(UTF_8), "{}".getBytes(UTF_8), List.of(), 1),
                            new SinkRecord("t", 0, 2, "k".getBytes(UTF_8), "{}".getBytes(UTF_8), List.of(), 2));
                    new AppendWriter(table).write(connection, batch);
                    new AppendWriter(table).write(connection, batch); // the staged path of a replay
                    statement.execute("DROP TABLE " + word + ", " + table.stage());
                    for (String script : migrations.get(SinkMode.UPSERT)) {
                        statement.execute(script.replace("${table}", word));
                    }
                    new UpsertWriter(table).write(connection, batch);
                } catch (SQLException e) {
                    failures.add(word + ": " + e.getMessage());
                } finally {
                    connection.rollback();
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    /** The migration scripts of each mode, in version order. */
    private static Map<SinkMode, List<String>> migrations() throws IOException, URISyntaxException {
        Path folder = Path.of(KeywordTableNamesTest.class.getClassLoader().getResource("db/migration").toURI());
        Map<SinkMode, List<String>> scripts = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                SinkMode mode = SinkMode.parse(name.substring(0, name.indexOf("_V"))).orElseThrow();
                try (InputStream in = Files.newInputStream(file)) {
                    scripts.computeIfAbsent(mode, m -> new ArrayList<>()).add(new String(in.readAllBytes(), UTF_8));
                }
            }
        }
        return scripts;
    }
}
