package io.steadysink.sink;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import io.agroal.api.AgroalDataSource;
import io.steadysink.config.SinkConfig;

/** Builds the sink from configuration that {@code StartupConfigCheck} has already validated. */
@ApplicationScoped
public class SinkBeans {

    @Produces
    @ApplicationScoped
    PostgresSink postgresSink(Instance<AgroalDataSource> dataSource, SinkConfig config) {
        // looked up when first used: a one-off command runs without a datasource configured
        SinkMode mode = SinkMode.parse(config.mode()).orElseThrow();
        return new PostgresSink(dataSource.get(), BatchWriter.forMode(mode, TableName.of(config.table())),
                Duration.ofMillis(config.statementTimeoutMs()));
    }
}
