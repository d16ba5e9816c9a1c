package io.steadysink.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.WithDefault;

/**
 * One route of the route file: which topics it takes, the table it writes and how each column is
 * filled. Read as written; {@link RouteSpec#of} checks and parses it, and the config doctor lists
 * every problem of every route at once.
 */
public interface RouteSettings {

    /** Topics the route takes (names). A topic may feed several routes (one transaction). */
    List<String> topics();

    /** Target table, {@code table} or {@code schema.table}, as in the catalog. */
    String table();

    /**
     * {@code append} (one row per record), {@code upsert} (one row per identity, newest wins) or
     * {@code change-events} (upsert of Debezium change events: the row a change leaves, deleted by a
     * delete; identity and columns default to the table's primary key and columns).
     */
    @WithDefault("append")
    String mode();

    /**
     * The columns that identify a row, backed by a unique constraint. Upsert: required. Append:
     * defaults to the Kafka coordinates' columns. Change events: defaults to the table's primary key.
     */
    Optional<List<String>> identity();

    /**
     * Column name to source: {@code /json/pointer} (into the value), {@code key:/json/pointer},
     * {@code key} (the key as text), {@code header:<name>}, {@code kafka:topic|partition|offset|timestamp},
     * {@code value} (the whole value) or {@code rest} (the value's top-level fields no pointer took).
     */
    Map<String, String> columns();

    /**
     * Column name to the unit of epoch numbers written into a timestamp column: {@code seconds},
     * {@code millis} or {@code micros}. A timestamp column not listed takes ISO-8601 strings only.
     */
    Map<String, String> epochUnits();

    /**
     * What a tombstone (a record without value) does: {@code delete} the row, {@code mark} it with
     * {@link #deletedColumn()}, or {@code ignore} it. Upsert only; append ignores tombstones.
     */
    @WithDefault("delete")
    String tombstones();

    /**
     * Column name to its SQL type ({@code uuid}, {@code numeric(12,2)}, {@code text[]}, ...): what a
     * table that does not exist is created with, when {@code SINK_ROUTES_ALTER_TABLES=true}. Every
     * mapped column needs one then.
     */
    Map<String, String> types();

    /**
     * Change events: what a field of the changed row that no column takes does (the source table
     * gained a column): {@code stop} (the route's writes wait, retried, until the table has the column;
     * the reason gives the {@code ALTER TABLE} to run), {@code add} (steady-sink adds the column with the
     * type of the field's Connect schema, and creates a missing table from the first event's schema) or
     * {@code ignore} (the field is left out).
     */
    @WithDefault("stop")
    String schemaChanges();

    /**
     * Change events: what a truncate (op {@code t}) does: {@code refuse} it as poison, or {@code allow}
     * it (deletes the rows of changes older than it in the source's log; needs {@code source.lsn}).
     */
    @WithDefault("refuse")
    String truncate();

    /** Boolean column set true by a tombstone under {@code tombstones: mark}, false by any later write. */
    Optional<String> deletedColumn();

    /**
     * Change events only: the text Debezium writes for a large (TOASTed) value an update left
     * unchanged (the connector's {@code unavailable.value.placeholder}; a {@code hex:} prefix gives
     * its bytes in hex). Unset: {@value RouteSpec#UNAVAILABLE_VALUE}. A column whose field carries it
     * keeps the value it has.
     */
    Optional<String> unavailableValuePlaceholder();

    /**
     * How the record value is read: {@code json} (schemaless JSON text), or through the schema
     * registry ({@code SINK_SCHEMA_REGISTRY_URL}) in the Confluent wire format: {@code avro},
     * {@code protobuf} or {@code json-schema}. Pointers address the value as read (docs/routes.md).
     */
    @WithDefault("json")
    String valueFormat();

    /** How the record key is read, for {@code key:/pointer} columns: like {@link #valueFormat()}. */
    @WithDefault("json")
    String keyFormat();
}
