package io.steadysink.sink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * Reads change events the way {@link ChangeEvent#of(JsonNode, boolean)} reads their JSON tree, without
 * building the tree of a schema it has seen before. Debezium repeats the whole Connect schema in every
 * value ({@code {"schema":…,"payload":…}}), several times the size of the row, and the schema rarely
 * changes: the value is read as a stream, only {@code payload} becomes a tree, and the schema's bytes
 * are looked up among the schemas read lately (compared byte for byte), parsed only when they are new.
 * A value of any other shape (no schemas, unwrapped, a member besides the two, not JSON) is parsed
 * whole, exactly as before; so is every value the stream reading cannot place, and the tree parse
 * reports what is wrong with it.
 * <p>
 * Thread-safe: the workers of a route share one reader.
 */
final class ChangeEventReader {

    /** Schemas kept per reader (one per route and table): a table's schema and a few of its versions. */
    static final int SCHEMAS = 16;

    private static final ObjectMapper JSON = ColumnType.jsonMapper();
    /** The payload is one member of the value: what follows it is read on, not trailing tokens. */
    private static final ObjectReader MEMBER = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** For a payload parsed on its own: one level less deep, as the value around it counts one. */
    private static final ObjectMapper INNER = innerMapper();

    /** How JsonConverter starts a value with schemas, and what follows the schema. */
    private static final byte[] SCHEMA_FIRST = "{\"schema\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] THEN_PAYLOAD = ",\"payload\":".getBytes(StandardCharsets.US_ASCII);

    private final SchemaCache schemas;
    private final SchemaCache keySchemas;

    ChangeEventReader() {
        this(SCHEMAS);
    }

    /** @param capacity how many value schemas, and how many key schemas, are kept */
    ChangeEventReader(int capacity) {
        this.schemas = new SchemaCache(capacity);
        this.keySchemas = new SchemaCache(capacity);
    }

    /**
     * The change {@code value} (the record's bytes, not a tombstone) says, as
     * {@link ChangeEvent#of(JsonNode, boolean)} says it of the value's JSON tree.
     *
     * @throws IOException when the value is not JSON (the tree parse's exception)
     * @throws Unconvertible as {@link ChangeEvent#of(JsonNode, boolean)}
     */
    ChangeEvent read(byte[] value, boolean truncates) throws IOException, Unconvertible {
        Wrapped wrapped = wrapped(value, schemas);
        if (wrapped == null) {
            JsonNode tree = JSON.readTree(value);
            return ChangeEvent.of(tree == null ? NullNode.getInstance() : tree, truncates);
        }
        return ChangeEvent.of(wrapped.payload(), wrapped.schema(), truncates);
    }

    /**
     * The record's {@code key} ({@code null} when it has none) as {@link ConnectStruct#unwrap(JsonNode)}
     * reads its JSON tree.
     *
     * @throws IOException when the key is not JSON (the tree parse's exception)
     */
    ConnectStruct key(byte[] key) throws IOException {
        if (key == null) {
            return ConnectStruct.unwrap(null);
        }
        Wrapped wrapped = wrapped(key, keySchemas);
        if (wrapped == null) {
            JsonNode tree = JSON.readTree(key);
            return ConnectStruct.unwrap(tree == null ? NullNode.getInstance() : tree);
        }
        return new ConnectStruct(wrapped.payload(), wrapped.schema().schema(), wrapped.schema().fields());
    }

    /** How many value schemas are kept now. */
    int cachedSchemas() {
        return schemas.size();
    }

    /** How many key schemas are kept now. */
    int cachedKeySchemas() {
        return keySchemas.size();
    }

    private record Wrapped(JsonNode payload, ChangeEventSchema schema) {
    }

    /**
     * {@code value} as JsonConverter writes it with schemas: an object of exactly the members
     * {@code schema} (an object) and {@code payload}, once each, and nothing after it; {@code null} for
     * anything else.
     */
    private static Wrapped wrapped(byte[] value, SchemaCache schemas) {
        Wrapped known = known(value, schemas);
        return known != null ? known : streamed(value, schemas);
    }

    /**
     * JsonConverter's compact {@code {"schema":S,"payload":P}} whose {@code S} is a kept schema, byte for
     * byte: only {@code P} is parsed. A kept schema is one whole JSON object, so where its bytes stand
     * right after {@code {"schema":}, the schema member is exactly they. {@code null} for anything
     * else, which {@link #streamed} reads.
     */
    private static Wrapped known(byte[] value, SchemaCache schemas) {
        if (!at(value, 0, SCHEMA_FIRST)) {
            return null;
        }
        int end = value.length;
        while (end > 0 && whitespace(value[end - 1])) {
            end--;
        }
        if (end == 0 || value[end - 1] != '}') {
            return null;
        }
        int last = end - 1; // the value's closing brace
        SchemaCache.Kept kept = schemas.keptAt(value, SCHEMA_FIRST.length, last);
        if (kept == null) {
            return null;
        }
        int from = SCHEMA_FIRST.length + kept.length() + THEN_PAYLOAD.length;
        try (JsonParser parser = INNER.createParser(value, from, last - from)) {
            JsonNode payload = MEMBER.readTree(parser);
            if (payload == null || parser.nextToken() != null) {
                return null; // not one value between "payload": and the closing brace
            }
            return new Wrapped(payload, kept.schema());
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectMapper innerMapper() {
        ObjectMapper mapper = ColumnType.jsonMapper();
        StreamReadConstraints limits = mapper.getFactory().streamReadConstraints();
        mapper.getFactory().setStreamReadConstraints(
                limits.rebuild().maxNestingDepth(limits.getMaxNestingDepth() - 1).build());
        return mapper;
    }

    private static boolean at(byte[] bytes, int from, byte[] expected) {
        return bytes.length - from >= expected.length
                && Arrays.equals(bytes, from, from + expected.length, expected, 0, expected.length);
    }

    /** JSON's whitespace. */
    private static boolean whitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** {@link #wrapped} token by token: any spelling, the schema parsed unless its bytes are kept. */
    private static Wrapped streamed(byte[] value, SchemaCache schemas) {
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode payload = null;
            long schemaFrom = -1;
            long schemaTo = -1;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken member = parser.nextToken();
                if (name.equals("schema") && schemaFrom < 0 && member == JsonToken.START_OBJECT) {
                    schemaFrom = parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    schemaTo = parser.currentTokenLocation().getByteOffset() + 1; // past its closing brace
                    if (schemaFrom < 0 || schemaTo <= schemaFrom) {
                        return null; // not read as bytes (another encoding than UTF-8)
                    }
                } else if (name.equals("payload") && payload == null) {
                    payload = MEMBER.readTree(parser);
                    if (payload == null) {
                        return null;
                    }
                } else {
                    return null;
                }
            }
            if (token != JsonToken.END_OBJECT || schemaFrom < 0 || payload == null || parser.nextToken() != null) {
                return null;
            }
            return new Wrapped(payload, schemas.get(value, (int) schemaFrom, (int) schemaTo));
        } catch (IOException e) {
            return null; // the tree parse reports it
        }
    }

    /**
     * The schemas read lately, by their exact bytes, the most recently used first; the least recently
     * used goes when a new one would pass the capacity. A lookup compares lengths, then bytes: no hash
     * stands in for equality.
     */
    private static final class SchemaCache {

        private final byte[][] keys;
        private final ChangeEventSchema[] values;
        private int size;

        SchemaCache(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity " + capacity);
            }
            this.keys = new byte[capacity][];
            this.values = new ChangeEventSchema[capacity];
        }

        /** The schema written in {@code bytes} from {@code from} (inclusive) to {@code to} (exclusive). */
        ChangeEventSchema get(byte[] bytes, int from, int to) throws IOException {
            synchronized (this) {
                ChangeEventSchema found = find(bytes, from, to);
                if (found != null) {
                    return found;
                }
            }
            ChangeEventSchema parsed = ChangeEventSchema.of(JSON.readTree(bytes, from, to - from));
            synchronized (this) {
                ChangeEventSchema found = find(bytes, from, to); // another worker read it meanwhile
                if (found != null) {
                    return found;
                }
                if (size < keys.length) {
                    size++;
                }
                moveToFront(size - 1, Arrays.copyOfRange(bytes, from, to), parsed);
                return parsed;
            }
        }

        /** A kept schema and the length of its bytes. */
        record Kept(ChangeEventSchema schema, int length) {
        }

        /**
         * The kept schema whose bytes stand in {@code bytes} from {@code from}, followed by
         * {@code ,"payload":} before {@code limit}; moved first; {@code null} when none is.
         */
        synchronized Kept keptAt(byte[] bytes, int from, int limit) {
            for (int i = 0; i < size; i++) {
                byte[] key = keys[i];
                int to = from + key.length;
                if (to + THEN_PAYLOAD.length <= limit && Arrays.equals(key, 0, key.length, bytes, from, to)
                        && at(bytes, to, THEN_PAYLOAD)) {
                    ChangeEventSchema found = values[i];
                    moveToFront(i, key, found);
                    return new Kept(found, key.length);
                }
            }
            return null;
        }

        /** The schema of these bytes, moved first; {@code null} when none is kept. */
        private ChangeEventSchema find(byte[] bytes, int from, int to) {
            int length = to - from;
            for (int i = 0; i < size; i++) {
                byte[] key = keys[i];
                if (key.length == length && Arrays.equals(key, 0, length, bytes, from, to)) {
                    ChangeEventSchema found = values[i];
                    moveToFront(i, key, found);
                    return found;
                }
            }
            return null;
        }

        /** Puts {@code key} first, shifting the entries before index {@code i} one down (the last one out). */
        private void moveToFront(int i, byte[] key, ChangeEventSchema value) {
            System.arraycopy(keys, 0, keys, 1, i);
            System.arraycopy(values, 0, values, 1, i);
            keys[0] = key;
            values[0] = value;
        }

        synchronized int size() {
            return size;
        }
    }
}
