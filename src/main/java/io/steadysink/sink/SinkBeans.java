package io.steadysink.sink;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.agroal.api.AgroalDataSource;
import io.steadysink.config.SinkConfig;

/** Builds the sink from configuration that {@code StartupConfigCheck} has already validated. */
@ApplicationScoped
public class SinkBeans {

    @Produces
    @ApplicationScoped
    PostgresSink postgresSink(AgroalDataSource dataSource, SinkConfig config) {
        SinkMode mode = SinkMode.parse(config.mode()).orElseThrow();
        return new PostgresSink(dataSource, BatchWriter.forMode(mode, TableName.of(config.table())),
                Duration.ofMillis(config.statementTimeoutMs()));
    }
}
