/**
 * Record formats read through a schema registry: Avro, Protobuf and JSON Schema framed in the
 * Confluent wire format (magic byte 0, a 4-byte schema id, then the body), the registry's
 * Confluent-compatible API, the schemas it serves (cached by id, so the registry is not on the
 * per-record path), and each record read into the JSON tree that routes address and convert.
 * Imports no other package of the project.
 */
package io.steadysink.format;
