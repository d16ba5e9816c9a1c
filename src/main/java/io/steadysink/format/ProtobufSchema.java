package io.steadysink.format;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.squareup.wire.schema.Location;
import com.squareup.wire.schema.internal.parser.EnumElement;
import com.squareup.wire.schema.internal.parser.MessageElement;
import com.squareup.wire.schema.internal.parser.ProtoFileElement;
import com.squareup.wire.schema.internal.parser.ProtoParser;
import com.squareup.wire.schema.internal.parser.TypeElement;

import io.apicurio.registry.utils.protobuf.schema.FileDescriptorUtils;

/**
 * A Protobuf schema: the registry's {@code .proto} text (proto2 or proto3) with the files it imports,
 * read into descriptors once, and records read with {@link DynamicMessage} into the JSON tree
 * {@link RegisteredSchema} describes. The body starts with the wire format's message indexes (a
 * zigzag varint count, then as many zigzag varints: the message's place among the file's top-level
 * messages, then among the nested ones, in the order the text declares them, enums and map entries
 * not counted; a count of {@code 0} is the first top-level message).
 * <p>
 * Fields are keyed by their {@code .proto} names. Scalars without presence read as their value (its
 * default when not written); fields with presence ({@code optional}, proto2, oneof members, messages)
 * read as null when not written. {@code uint32} and {@code fixed32} read as non-negative numbers,
 * {@code uint64} and {@code fixed64} above the largest {@code long} as big integers. Enums read as the
 * name of their value; a number the enum does not name does not match. Bytes read as base64.
 * Well-known types: {@code google.protobuf.Timestamp} as an ISO-8601 instant with {@code Z},
 * {@code google.protobuf.Duration} as an ISO-8601 duration ({@code PT1.5S}), the wrappers
 * ({@code google.protobuf.Int64Value}, ...) as their value, {@code google.type.Date} as
 * {@code yyyy-MM-dd} (one without a year, month or day does not match) and
 * {@code confluent.type.Decimal} (two's-complement big-endian {@code value}) as a number of its
 * {@code scale}. A record carrying
 * fields its schema does not have does not match it.
 * <p>
 * The imports of well-known types ({@code google/protobuf/*.proto}, {@code google/type/*.proto}) and of
 * {@code confluent/type/decimal.proto} and {@code confluent/meta.proto} resolve without references;
 * all others must come with the schema's references.
 */
final class ProtobufSchema implements RegisteredSchema {

    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    /** The name the schema's own file takes among its imports. */
    private static final String FILE_NAME = "registered.proto";

    /** Message indexes deeper than this are not read: no schema nests messages so deep. */
    private static final int MAX_INDEXES = 100;

    private static final String TIMESTAMP = "google.protobuf.Timestamp";
    private static final String DURATION = "google.protobuf.Duration";
    private static final String DATE = "google.type.Date";
    private static final String DECIMAL = "confluent.type.Decimal";
    private static final Set<String> WRAPPERS = Set.of("google.protobuf.DoubleValue", "google.protobuf.FloatValue",
            "google.protobuf.Int64Value", "google.protobuf.UInt64Value", "google.protobuf.Int32Value",
            "google.protobuf.UInt32Value", "google.protobuf.BoolValue", "google.protobuf.StringValue",
            "google.protobuf.BytesValue");

    /** Files a Confluent producer imports without registering them as references. */
    private static final Map<String, String> CONFLUENT_FILES = Map.of("confluent/type/decimal.proto", """
            syntax = "proto3";
            package confluent.type;

            message Decimal {
              bytes value = 1;
              uint32 precision = 2;
              int32 scale = 3;
            }
            """, "confluent/meta.proto", """
            syntax = "proto3";
            package confluent;

            import "google/protobuf/descriptor.proto";

            message Meta {
              string doc = 1;
              map<string, string> params = 2;
              repeated string tags = 3;
            }

            extend google.protobuf.FileOptions {
              Meta file_meta = 1088;
            }
            extend google.protobuf.MessageOptions {
              Meta message_meta = 1088;
            }
            extend google.protobuf.FieldOptions {
              Meta field_meta = 1088;
            }
            extend google.protobuf.EnumOptions {
              Meta enum_meta = 1088;
            }
            extend google.protobuf.EnumValueOptions {
              Meta enum_value_meta = 1088;
            }
            """);

    /** The runtime's own descriptors of the well-known files, by import path. */
    private static final Map<String, FileDescriptor> WELL_KNOWN = wellKnown();

    /** The file's top-level messages, in the order the file declares them (the first message index). */
    private final List<Descriptor> messages;

    private ProtobufSchema(List<Descriptor> messages) {
        this.messages = messages;
    }

    static RegisteredSchema parse(String text, Map<String, String> references) throws RecordUnreadable {
        Map<String, String> given = new LinkedHashMap<>(CONFLUENT_FILES);
        given.putAll(references);
        Map<String, ProtoFileElement> files = new HashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (Map.Entry<String, String> source : given.entrySet()) {
            ProtoFileElement file = element(source.getKey(), source.getValue());
            files.put(source.getKey(), file);
            sources.put(source.getKey(), file.toSchema());
        }
        FileDescriptor file = build(FILE_NAME, element(FILE_NAME, text), files, sources, new HashMap<>(),
                new HashSet<>());
        if (file.getMessageTypes().isEmpty()) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "the Protobuf schema defines no message");
        }
        return new ProtobufSchema(List.copyOf(file.getMessageTypes()));
    }

    /** The file's text parsed. */
    private static ProtoFileElement element(String name, String text) throws RecordUnreadable {
        try {
            return ProtoParser.Companion.parse(Location.get(name), text);
        } catch (RuntimeException e) {
            throw unreadable((FILE_NAME.equals(name) ? "" : name + ": ") + message(e), e);
        }
    }

    /**
     * The file's descriptor, built from its text as Wire prints it (a declaration a line: the schema
     * utilities find a file's package by its line), and those of the files it imports.
     */
    private static FileDescriptor build(String name, ProtoFileElement element, Map<String, ProtoFileElement> files,
            Map<String, String> sources, Map<String, FileDescriptor> built, Set<String> building)
            throws RecordUnreadable {
        if (!building.add(name)) {
            throw unreadable("its imports go round in a circle through " + name, null);
        }
        FileDescriptorProto proto;
        try {
            proto = asImported(inDeclaredOrder(FileDescriptorUtils.toFileDescriptorProto(element.toSchema(), name,
                    Optional.ofNullable(element.getPackageName()), sources), element), element);
        } catch (RuntimeException e) {
            throw unreadable((FILE_NAME.equals(name) ? "" : name + ": ") + message(e), e);
        }
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            FileDescriptor found = WELL_KNOWN.get(dependency);
            if (found == null) {
                found = built.get(dependency);
            }
            if (found == null) {
                ProtoFileElement source = files.get(dependency);
                if (source == null) {
                    throw unreadable("it imports " + dependency + ", which is neither among its references nor "
                            + "a well-known type", null);
                }
                found = build(dependency, source, files, sources, built, building);
            }
            dependencies.add(found);
        }
        try {
            FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
            built.put(name, file);
            building.remove(name);
            return file;
        } catch (DescriptorValidationException e) {
            throw unreadable((FILE_NAME.equals(name) ? "" : name + ": ") + e.getMessage(), e);
        }
    }

    /**
     * The file's imports as its text writes them, the names of its references (the schema utilities
     * move a file whose path does not follow its package, and rewrite the imports of it).
     */
    private static FileDescriptorProto asImported(FileDescriptorProto proto, ProtoFileElement element) {
        FileDescriptorProto.Builder imported = proto.toBuilder().clearDependency().clearPublicDependency()
                .addAllDependency(element.getImports());
        for (String dependency : element.getPublicImports()) {
            imported.addPublicDependency(imported.getDependencyCount());
            imported.addDependency(dependency);
        }
        return imported.build();
    }

    /**
     * The file's messages and enums in the order its text declares them, at the top level and nested
     * (the message indexes count declared messages in that order; a map field's entry type, which
     * the text does not declare, comes after them).
     */
    private static FileDescriptorProto inDeclaredOrder(FileDescriptorProto proto, ProtoFileElement element) {
        // A file without a package lists its nested messages among the top-level ones too: the one
        // declared at the top level is the one with its fields.
        Map<String, List<DescriptorProto>> messages = new HashMap<>();
        proto.getMessageTypeList()
                .forEach(
                        message -> messages.computeIfAbsent(message.getName(), name -> new ArrayList<>()).add(message));
        Map<String, EnumDescriptorProto> enums = new HashMap<>();
        proto.getEnumTypeList().forEach(type -> enums.putIfAbsent(type.getName(), type));
        FileDescriptorProto.Builder ordered = proto.toBuilder().clearMessageType().clearEnumType();
        for (TypeElement type : element.getTypes()) {
            if (type instanceof MessageElement declared && messages.containsKey(type.getName())) {
                List<DescriptorProto> candidates = messages.get(type.getName());
                Set<String> fields = fields(declared);
                DescriptorProto message = candidates.stream().filter(candidate -> fields.equals(fields(candidate)))
                        .findFirst().orElse(candidates.get(0));
                ordered.addMessageType(inDeclaredOrder(message, type));
            } else if (type instanceof EnumElement && enums.containsKey(type.getName())) {
                ordered.addEnumType(enums.get(type.getName()));
            } else {
                throw new IllegalStateException("the top-level type " + type.getName() + " was lost in parsing");
            }
        }
        return ordered.build();
    }

    /** {@code name=number} of each field a message declares, in a oneof or not. */
    private static Set<String> fields(MessageElement message) {
        Set<String> fields = new HashSet<>();
        message.getFields().forEach(field -> fields.add(field.getName() + "=" + field.getTag()));
        message.getOneOfs().forEach(oneOf -> oneOf.getFields()
                .forEach(field -> fields.add(field.getName() + "=" + field.getTag())));
        return fields;
    }

    private static Set<String> fields(DescriptorProto message) {
        Set<String> fields = new HashSet<>();
        message.getFieldList().forEach(field -> fields.add(field.getName() + "=" + field.getNumber()));
        return fields;
    }

    private static DescriptorProto inDeclaredOrder(DescriptorProto message, TypeElement element) {
        Map<String, DescriptorProto> nested = new LinkedHashMap<>();
        message.getNestedTypeList().forEach(type -> nested.putIfAbsent(type.getName(), type));
        DescriptorProto.Builder ordered = message.toBuilder().clearNestedType();
        for (TypeElement type : element.getNestedTypes()) {
            DescriptorProto declared = nested.remove(type.getName());
            if (declared != null) {
                ordered.addNestedType(inDeclaredOrder(declared, type));
            }
        }
        nested.values().forEach(ordered::addNestedType);
        return ordered.build();
    }

    private static Map<String, FileDescriptor> wellKnown() {
        Map<String, FileDescriptor> files = new HashMap<>();
        for (FileDescriptor file : FileDescriptorUtils.baseDependencies()) {
            files.put(file.getName(), file);
        }
        FileDescriptor descriptor = DescriptorProtos.getDescriptor();
        files.put(descriptor.getName(), descriptor);
        return Map.copyOf(files);
    }

    private static RecordUnreadable unreadable(String why, Throwable cause) {
        return new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                "not a Protobuf schema steady-sink can parse: " + why, cause);
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    @Override
    public RecordFormat format() {
        return RecordFormat.PROTOBUF;
    }

    @Override
    public JsonNode read(ByteBuffer body) throws RecordUnreadable {
        CodedInputStream in = CodedInputStream.newInstance(body);
        try {
            Descriptor type = messageType(in);
            return message(DynamicMessage.parseFrom(type, in));
        } catch (InvalidProtocolBufferException e) {
            throw doesNotMatch("Protobuf that does not read as the schema says (" + e.getMessage() + ")", e);
        } catch (IOException | DateTimeException | ArithmeticException e) {
            throw doesNotMatch("Protobuf that does not read as the schema says (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    /** The message type the body's message indexes name. */
    private Descriptor messageType(CodedInputStream in) throws IOException, RecordUnreadable {
        int count = in.readSInt32();
        if (count == 0) {
            return messages.get(0);
        }
        if (count < 0 || count > MAX_INDEXES) {
            throw doesNotMatch("its message indexes start with a count of " + count, null);
        }
        List<Integer> path = new ArrayList<>(count);
        Descriptor type = null;
        for (int i = 0; i < count; i++) {
            int index = in.readSInt32();
            path.add(index);
            List<Descriptor> choices = type == null ? messages : declared(type.getNestedTypes());
            if (index < 0 || index >= choices.size()) {
                for (int rest = i + 1; rest < count; rest++) {
                    path.add(in.readSInt32());
                }
                throw doesNotMatch("its message indexes " + path + " name no message of the schema", null);
            }
            type = choices.get(index);
        }
        return type;
    }

    /** The messages among {@code nested} that the text declares: not the entry types of map fields. */
    private static List<Descriptor> declared(List<Descriptor> nested) {
        return nested.stream().filter(type -> !type.getOptions().getMapEntry()).toList();
    }

    private static ObjectNode message(Message message) throws RecordUnreadable {
        if (!message.getUnknownFields().asMap().isEmpty()) {
            throw doesNotMatch("it has fields numbered " + message.getUnknownFields().asMap().keySet() + " that "
                    + message.getDescriptorForType().getFullName() + " does not have", null);
        }
        ObjectNode object = NODES.objectNode();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            object.set(field.getName(), field(message, field));
        }
        return object;
    }

    private static JsonNode field(Message message, FieldDescriptor field) throws RecordUnreadable {
        if (field.isMapField()) {
            FieldDescriptor key = field.getMessageType().findFieldByNumber(1);
            FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
            ObjectNode map = NODES.objectNode();
            for (Object entry : (List<?>) message.getField(field)) {
                Message pair = (Message) entry;
                map.set(pair.getField(key).toString(), value(value, pair.getField(value)));
            }
            return map;
        }
        if (field.isRepeated()) {
            ArrayNode array = NODES.arrayNode();
            for (Object element : (List<?>) message.getField(field)) {
                array.add(value(field, element));
            }
            return array;
        }
        if (field.hasPresence() && !message.hasField(field)) {
            return NullNode.getInstance();
        }
        return value(field, message.getField(field));
    }

    /** One value of {@code field}'s type (an element, if it is repeated). */
    private static JsonNode value(FieldDescriptor field, Object value) throws RecordUnreadable {
        return switch (field.getType()) {
            case INT32, SINT32, SFIXED32 -> NODES.numberNode((Integer) value);
            case UINT32, FIXED32 -> NODES.numberNode(Integer.toUnsignedLong((Integer) value));
            case INT64, SINT64, SFIXED64 -> NODES.numberNode((Long) value);
            case UINT64, FIXED64 -> {
                long number = (Long) value;
                yield number >= 0
                        ? NODES.numberNode(number)
                        : NODES.numberNode(new BigInteger(Long.toUnsignedString(number)));
            }
            case FLOAT -> NODES.numberNode((Float) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case BOOL -> NODES.booleanNode((Boolean) value);
            case STRING -> NODES.textNode((String) value);
            case BYTES -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case ENUM -> {
                EnumValueDescriptor symbol = (EnumValueDescriptor) value;
                if (field.getEnumType().findValueByNumber(symbol.getNumber()) == null) {
                    throw doesNotMatch("enum " + field.getEnumType().getFullName() + " has no value numbered "
                            + symbol.getNumber(), null);
                }
                yield NODES.textNode(symbol.getName());
            }
            case MESSAGE, GROUP -> messageValue((Message) value);
        };
    }

    private static JsonNode messageValue(Message message) throws RecordUnreadable {
        Descriptor type = message.getDescriptorForType();
        String name = type.getFullName();
        if (TIMESTAMP.equals(name)) {
            return NODES.textNode(Instant.ofEpochSecond(longField(message, "seconds"), intField(message, "nanos"))
                    .toString());
        }
        if (DURATION.equals(name)) {
            return NODES.textNode(java.time.Duration.ofSeconds(longField(message, "seconds"),
                    intField(message, "nanos")).toString());
        }
        if (WRAPPERS.contains(name)) {
            FieldDescriptor value = type.findFieldByName("value");
            return value(value, message.getField(value));
        }
        if (DATE.equals(name)) {
            return NODES.textNode(LocalDate.of(intField(message, "year"), intField(message, "month"),
                    intField(message, "day")).toString());
        }
        if (DECIMAL.equals(name) && type.findFieldByName("value") != null && type.findFieldByName("scale") != null) {
            byte[] unscaled = ((ByteString) message.getField(type.findFieldByName("value"))).toByteArray();
            return NODES.numberNode(new BigDecimal(unscaled.length == 0 ? BigInteger.ZERO : new BigInteger(unscaled),
                    intField(message, "scale")));
        }
        return message(message);
    }

    private static long longField(Message message, String name) {
        return ((Number) message.getField(message.getDescriptorForType().findFieldByName(name))).longValue();
    }

    private static int intField(Message message, String name) {
        return ((Number) message.getField(message.getDescriptorForType().findFieldByName(name))).intValue();
    }

    private static RecordUnreadable doesNotMatch(String why, Throwable cause) {
        return new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH, why, cause);
    }

    /**
     * What the schema says of the value at {@code pointer} of the file's FIRST top-level message (message
     * index {@code [0]}): the message a route maps.
     */
    @Override
    public Optional<FieldTypes> at(JsonPointer pointer) {
        Descriptor first = messages.get(0);
        if (pointer.matches()) {
            return Optional.of(new FieldTypes(Set.of(JsonNodeType.OBJECT), "protobuf " + first.getFullName()));
        }
        return at(first, pointer, false);
    }

    private static Optional<FieldTypes> at(Descriptor message, JsonPointer pointer, boolean nullable) {
        FieldDescriptor field = message.findFieldByName(pointer.getMatchingProperty());
        if (field == null) {
            return Optional.empty();
        }
        JsonPointer rest = pointer.tail();
        if (field.isMapField()) {
            FieldDescriptor key = field.getMessageType().findFieldByNumber(1);
            FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
            if (rest.matches()) {
                return Optional.of(types(EnumSet.of(JsonNodeType.OBJECT), nullable,
                        "map<" + describe(key) + ", " + describe(value) + ">"));
            }
            return element(value, rest.tail(), true);
        }
        if (field.isRepeated()) {
            if (rest.matches()) {
                return Optional.of(types(EnumSet.of(JsonNodeType.ARRAY), nullable, "repeated " + describe(field)));
            }
            return rest.getMatchingIndex() < 0 ? Optional.empty() : element(field, rest.tail(), true);
        }
        return element(field, rest, nullable || field.hasPresence());
    }

    /** One value of {@code field}'s type, or what is inside it. */
    private static Optional<FieldTypes> element(FieldDescriptor field, JsonPointer pointer, boolean nullable) {
        boolean leaf = field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
                || leafMessage(field.getMessageType().getFullName());
        if (!pointer.matches()) {
            return leaf ? Optional.empty() : at(field.getMessageType(), pointer, nullable);
        }
        Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
        switch (field.getJavaType()) {
            case INT, LONG, FLOAT, DOUBLE -> types.add(JsonNodeType.NUMBER);
            case BOOLEAN -> types.add(JsonNodeType.BOOLEAN);
            case STRING, BYTE_STRING, ENUM -> types.add(JsonNodeType.STRING);
            case MESSAGE -> {
                String name = field.getMessageType().getFullName();
                if (WRAPPERS.contains(name)) {
                    return element(field.getMessageType().findFieldByName("value"), pointer, true)
                            .map(inner -> types(inner.types(), true, name));
                }
                types.add(switch (name) {
                    case TIMESTAMP, DURATION, DATE -> JsonNodeType.STRING;
                    case DECIMAL -> JsonNodeType.NUMBER;
                    default -> JsonNodeType.OBJECT;
                });
            }
        }
        return Optional.of(types(types, nullable, describe(field)));
    }

    private static boolean leafMessage(String name) {
        return WRAPPERS.contains(name) || TIMESTAMP.equals(name) || DURATION.equals(name) || DATE.equals(name)
                || DECIMAL.equals(name);
    }

    private static FieldTypes types(Set<JsonNodeType> found, boolean nullable, String described) {
        Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
        types.addAll(found);
        if (nullable) {
            types.add(JsonNodeType.NULL);
        }
        return new FieldTypes(types, "protobuf " + described);
    }

    private static String describe(FieldDescriptor field) {
        return switch (field.getJavaType()) {
            case MESSAGE -> field.getMessageType().getFullName();
            case ENUM -> "enum " + field.getEnumType().getFullName();
            default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
