package io.steadysink.format;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a route reads a record's value or key. */
public enum RecordFormat {
    /** Schemaless JSON text. */
    JSON("json", null),
    /** Avro binary in the Confluent wire format. */
    AVRO("avro", "AVRO"),
    /** Protobuf in the Confluent wire format (message indexes before the message). */
    PROTOBUF("protobuf", "PROTOBUF"),
    /** JSON text in the Confluent wire format, checked against its JSON Schema. */
    JSON_SCHEMA("json-schema", "JSON");

    private final String configName;
    private final String registryType;

    RecordFormat(String configName, String registryType) {
        this.configName = configName;
        this.registryType = registryType;
    }

    /** As a route file writes it: {@code json}, {@code avro}, {@code protobuf}, {@code json-schema}. */
    public String configName() {
        return configName;
    }

    /** Whether records of this format name their schema in the registry. */
    public boolean registered() {
        return registryType != null;
    }

    /** The format a route file names ({@code avro}, any case), if it is one. */
    public static Optional<RecordFormat> parse(String text) {
        String name = text.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(format -> format.configName.equals(name)).findFirst();
    }

    /** The registered format of a registry's {@code schemaType} (absent or empty: Avro). */
    static Optional<RecordFormat> ofRegistryType(String schemaType) {
        if (schemaType == null || schemaType.isEmpty()) {
            return Optional.of(AVRO);
        }
        return Arrays.stream(values()).filter(format -> schemaType.equalsIgnoreCase(format.registryType))
                .findFirst();
    }

    /** {@code json, avro, protobuf or json-schema}: the choices, as an error message lists them. */
    public static String choices() {
        return "json, avro, protobuf or json-schema";
    }
}
