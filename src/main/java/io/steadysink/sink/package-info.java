/**
 * Writing records to PostgreSQL: the writer of each mode (COPY, then a merge guarded by the records'
 * Kafka coordinates), record checks, replay origins, topic IDs, and the schema migration that creates
 * the table before the consumer starts; for a user's own table, its shape read from the catalog and
 * the strict conversion of JSON values into its column types. Of steady-sink it imports only {@code config}, for the
 * settings and their typed values (mode, table name), and {@code startup}, to refuse start-up with
 * its exit code; deciding what a failure means and consuming from Kafka depend on it, not the other
 * way round.
 */
package io.steadysink.sink;
