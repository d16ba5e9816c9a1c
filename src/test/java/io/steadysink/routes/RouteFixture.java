package io.steadysink.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.steadysink.config.RouteFileSource;
import io.steadysink.config.RouteSpec;
import io.steadysink.config.SinkConfig;
import io.steadysink.config.SinkSettings;
import io.steadysink.sink.BoundRoute;
import io.steadysink.sink.SinkRecord;
import io.steadysink.sink.TableCatalog;
import io.steadysink.testing.LocalPostgres;

/**
 * Route files as the application reads them (a YAML file named by {@code sink.routes-file}, turned
 * into configuration by {@link RouteFileSource} and mapped onto {@link SinkConfig}), bound to real
 * tables of the local PostgreSQL through its catalog.
 */
final class RouteFixture {

    private static final AtomicInteger FILES = new AtomicInteger();

    private RouteFixture() {
    }

    /** Writes {@code yaml} into a new file under {@code target/route-files}; returns its absolute path. */
    static Path routeFile(String yaml) {
        Path file = Path.of("target", "route-files", "routes-" + ProcessHandle.current().pid() + "-"
                + FILES.incrementAndGet() + ".yaml").toAbsolutePath();
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** The configuration the application reads with {@code SINK_ROUTES_FILE=file} and nothing else set. */
    static SmallRyeConfig configuration(Path file) {
        Map<String, String> settings = new HashMap<>();
        settings.put("sink.routes-file", file.toString());
        settings.put("sink.auto-offset-reset", "earliest");
        return new SmallRyeConfigBuilder()
                .withSources(new RouteFileSource())
                .withSources(new PropertiesConfigSource(settings, "test settings", 100))
                .withMapping(SinkConfig.class)
                .withValidateUnknown(false)
                .build();
    }

    /** The problem with the route file itself that start-up reports, if any. */
    static Optional<String> fileProblem(Path file) {
        return configuration(file).getOptionalValue(RouteFileSource.PROBLEM, String.class);
    }

    /** The routes of {@code yaml}, parsed and checked as at start-up. */
    static List<RouteSpec> routes(String yaml) {
        Path file = routeFile(yaml);
        SmallRyeConfig configuration = configuration(file);
        assertThat(configuration.getOptionalValue(RouteFileSource.PROBLEM, String.class)).as("route file problem")
                .isEmpty();
        SinkConfig config = configuration.getConfigMapping(SinkConfig.class);
        assertThat(SinkSettings.problems(config)).as("problems of the route file").isEmpty();
        return SinkSettings.routes(config);
    }

    /** The only route of {@code yaml}. */
    static RouteSpec route(String yaml) {
        List<RouteSpec> routes = routes(yaml);
        assertThat(routes).hasSize(1);
        return routes.get(0);
    }

    /** {@code spec} bound to its table as the catalog describes it now. */
    static BoundRoute.Binding binding(RouteSpec spec) {
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            return BoundRoute.bind(spec, TableCatalog.read(connection, spec.table()));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code spec} bound to its table, which must fit it. */
    static BoundRoute bound(RouteSpec spec) {
        BoundRoute.Binding binding = binding(spec);
        assertThat(binding.findings()).as("findings binding route " + spec.name()).isEmpty();
        return binding.route().orElseThrow();
    }

    /** Each row of {@code sql} as its column texts joined by {@code |} (SQL NULL as {@code null}). */
    static List<String> rows(String sql) {
        try {
            return rows(LocalPostgres.dataSource().getConnection(), sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** Like {@link #rows(String)}, on {@code opened}, which it closes. */
    static List<String> rows(Connection opened, String sql) {
        List<String> rows = new ArrayList<>();
        try (Connection connection = opened;
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(result.getString(i)));
                }
                rows.add(String.join("|", values));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
        return rows;
    }

    /** {@code connection}, set to show times in UTC: a source and its replica are compared so. */
    static Connection utc(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET TimeZone = 'UTC'");
        }
        return connection;
    }

    /** A record as the consumer hands it over; a {@code null} value is a tombstone. */
    static SinkRecord record(String topic, int partition, long offset, String key, String value) {
        return new SinkRecord(topic, partition, offset, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of(), 1_767_225_600_000L + offset);
    }
}
