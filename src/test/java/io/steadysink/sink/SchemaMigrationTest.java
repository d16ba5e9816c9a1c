package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.testing.LocalPostgres;

/** What start-up accepts as a table the sink can own, checked against a real PostgreSQL catalog. */
class SchemaMigrationTest {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private static final String APPEND_COLUMNS = "kafka_topic text NOT NULL, kafka_partition integer NOT NULL, "
            + "kafka_offset bigint NOT NULL, kafka_key text, payload jsonb, headers jsonb NOT NULL DEFAULT '{}', "
            + "event_time timestamptz, ingested_at timestamptz NOT NULL DEFAULT now()";
    private static final String UPSERT_COLUMNS = "key text NOT NULL, payload jsonb, deleted boolean NOT NULL "
            + "DEFAULT false, kafka_topic text NOT NULL, kafka_partition integer NOT NULL, "
            + "kafka_offset bigint NOT NULL, event_time timestamptz, updated_at timestamptz NOT NULL DEFAULT now()";

    @Test
    void tablesCreatedByTheMigrationsAreAccepted() throws Exception {
        String append = table("owned_append");
        String upsert = table("owned_upsert");
        LocalPostgres.migrate(SinkMode.APPEND, append);
        LocalPostgres.migrate(SinkMode.UPSERT, upsert);

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.APPEND, append)).isNull();
        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.UPSERT, upsert)).isNull();
    }

    @Test
    void migratingTablesOfTheFirstVersionKeepsTheirRowsAndAddsTheTopicIdTable() throws Exception {
        for (SinkMode mode : SinkMode.values()) {
            String table = table("first_version_" + mode.configName());
            Flyway.configure().dataSource(LocalPostgres.dataSource()).locations("classpath:db/migration")
                    .sqlMigrationPrefix(mode.configName() + "_V").table(table + "_schema_history")
                    .placeholders(Map.of("table", table)).baselineOnMigrate(true).baselineVersion("0").target("1")
                    .load().migrate();
            LocalPostgres.execute("INSERT INTO " + table + " (" + (mode == SinkMode.APPEND ? "" : "key, ")
                    + "kafka_topic, kafka_partition, kafka_offset) VALUES (" + (mode == SinkMode.APPEND ? "" : "'k', ")
                    + "'orders', 0, 1)");

            LocalPostgres.migrate(mode, table);

            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table)).isEqualTo(1);
            assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table + "_topics")).isZero();
            assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), mode, table)).isNull();
        }
    }

    @Test
    void appendTableWithTheRightColumnsButNoKeyOnTheCoordinatesIsRefusedWithTheAlterTableToRun() throws Exception {
        String table = table("keyless_append");
        createByHandAndMigrate(SinkMode.APPEND, table, APPEND_COLUMNS);

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.APPEND, table))
                .isEqualTo("SINK_TABLE=" + table + " has no PRIMARY KEY or UNIQUE constraint on (kafka_topic, "
                        + "kafka_partition, kafka_offset), which SINK_MODE=append needs to write each record once: "
                        + "ALTER TABLE " + table + " ADD PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)");
    }

    @Test
    void upsertTableWithTheRightColumnsButNoKeyOnTheKeyIsRefusedWithTheAlterTableToRun() throws Exception {
        String table = table("keyless_upsert");
        createByHandAndMigrate(SinkMode.UPSERT, table, UPSERT_COLUMNS);

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.UPSERT, table))
                .isEqualTo("SINK_TABLE=" + table + " has no PRIMARY KEY or UNIQUE constraint on (key), which "
                        + "SINK_MODE=upsert needs to write each record once: ALTER TABLE " + table
                        + " ADD PRIMARY KEY (key)");
    }

    @Test
    void aKeyOnMoreOrFewerColumnsThanTheCoordinatesIsRefused() throws Exception {
        String wider = table("wide_key_append");
        createByHandAndMigrate(SinkMode.APPEND, wider,
                APPEND_COLUMNS + ", PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset, ingested_at)");
        String narrower = table("narrow_key_append");
        createByHandAndMigrate(SinkMode.APPEND, narrower, APPEND_COLUMNS + ", UNIQUE (kafka_partition, kafka_offset)");

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.APPEND, wider))
                .startsWith("SINK_TABLE=" + wider + " has no PRIMARY KEY or UNIQUE constraint on");
        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.APPEND, narrower))
                .startsWith("SINK_TABLE=" + narrower + " has no PRIMARY KEY or UNIQUE constraint on");
    }

    @Test
    void aPartialOrDeferrableUniqueKeyIsRefusedBecauseOnConflictCannotUseIt() throws Exception {
        String partial = table("partial_key_upsert");
        createByHandAndMigrate(SinkMode.UPSERT, partial, UPSERT_COLUMNS);
        LocalPostgres.execute("CREATE UNIQUE INDEX ON " + partial + " (key) WHERE NOT deleted");
        String deferrable = table("deferrable_key_upsert");
        createByHandAndMigrate(SinkMode.UPSERT, deferrable,
                UPSERT_COLUMNS + ", UNIQUE (key) DEFERRABLE INITIALLY DEFERRED");

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.UPSERT, partial))
                .startsWith("SINK_TABLE=" + partial + " has no PRIMARY KEY or UNIQUE constraint on (key)");
        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.UPSERT, deferrable))
                .startsWith("SINK_TABLE=" + deferrable + " has no PRIMARY KEY or UNIQUE constraint on (key)");
    }

    @Test
    void aUniqueConstraintOrIndexOnTheCoordinatesInAnyColumnOrderIsAccepted() throws Exception {
        String constraint = table("unique_append");
        createByHandAndMigrate(SinkMode.APPEND, constraint,
                APPEND_COLUMNS + ", UNIQUE (kafka_offset, kafka_topic, kafka_partition)");
        String index = table("unique_index_upsert");
        createByHandAndMigrate(SinkMode.UPSERT, index, UPSERT_COLUMNS);
        LocalPostgres.execute("CREATE UNIQUE INDEX ON " + index + " (key)");

        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.APPEND, constraint))
                .isNull();
        assertThat(SchemaMigration.ownershipProblem(LocalPostgres.dataSource(), SinkMode.UPSERT, index)).isNull();
    }

    /** Start-up migrates first: the hand-made table stays as it is, the tables next to it are added. */
    private static void createByHandAndMigrate(SinkMode mode, String table, String definition) {
        LocalPostgres.execute("CREATE TABLE " + table + " (" + definition + ")");
        LocalPostgres.migrate(mode, table);
    }

    private static String table(String prefix) {
        return prefix + "_" + TABLES.incrementAndGet();
    }
}
