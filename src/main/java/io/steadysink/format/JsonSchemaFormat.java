package io.steadysink.format;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;

/**
 * A JSON Schema (drafts 7, 2019-09 and 2020-12; {@code $schema} decides, draft 7 when it is left out,
 * as Confluent's serializers do): reads a record's body as JSON text, numbers exactly as written
 * (decimals keep their scale), and checks it against the schema before it is used. A record that is
 * not JSON, or that breaks a rule of its schema, does not match it. Formats are asserted:
 * {@code date-time}, {@code date}, {@code time}, {@code uuid} (and the others the validator knows)
 * must be what they say. The tree is the JSON as it arrived: formatted values already are the ISO
 * strings the column types read.
 * <p>
 * The schemas it refers to are found by the names the registry's references give them
 * ({@code "$ref": "address.json"}), resolved against the schema's {@code $id} (or an address of its
 * own when it has none); nothing is fetched from the network. The validator is built once per schema
 * and shared by every thread.
 */
final class JsonSchemaFormat implements RegisteredSchema {

    /** Where a schema without an absolute {@code $id} is placed, so that relative references resolve. */
    private static final URI DEFAULT_BASE = URI.create("https://schema-registry.invalid/schemas/schema.json");
    private static final int MAX_REF_HOPS = 64;

    /** Records read as JSON values are: decimals as BigDecimal with their trailing zeros. */
    private static final ObjectMapper RECORDS = ExactJson.mapper();
    private static final ObjectMapper SCHEMAS = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A schema document: the root schema or one it refers to, and the address its relative references resolve against. */
    private record Document(URI base, JsonNode root) {
    }

    /** A subschema and the document it is in. */
    private record Located(Document document, JsonNode node) {
    }

    private final Schema validator;
    private final Document root;
    /** Documents by every address a reference may resolve to. */
    private final Map<String, Document> documents;
    /** The names references give documents, by their address, for messages. */
    private final Map<String, String> names;
    /** Whether {@code $ref} replaces its sibling keywords (drafts up to 7) or adds to them (2019-09 on). */
    private final boolean refReplacesSiblings;

    private JsonSchemaFormat(Schema validator, Document root, Map<String, Document> documents,
            Map<String, String> names, boolean refReplacesSiblings) {
        this.validator = validator;
        this.root = root;
        this.documents = documents;
        this.names = names;
        this.refReplacesSiblings = refReplacesSiblings;
    }

    static RegisteredSchema parse(String text, Map<String, String> references) throws RecordUnreadable {
        JsonNode rootNode = schemaTree(text, "the schema");
        URI rootBase = base(rootNode, DEFAULT_BASE);
        Document root = new Document(rootBase, rootNode);
        Map<String, Document> documents = new HashMap<>();
        Map<String, String> texts = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        for (Map.Entry<String, String> reference : references.entrySet()) {
            String name = reference.getKey();
            JsonNode node = schemaTree(reference.getValue(), "the schema referred to as " + name);
            Set<String> addresses = new LinkedHashSet<>();
            for (URI against : List.of(rootBase, DEFAULT_BASE)) {
                resolve(against, name).ifPresent(address -> addresses.add(address.toString()));
            }
            if (addresses.isEmpty()) {
                throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                        "a reference's name is not a URI reference: " + name);
            }
            URI own = URI.create(addresses.iterator().next());
            Document document = new Document(base(node, own), node);
            for (String address : addresses) {
                documents.putIfAbsent(address, document);
                texts.putIfAbsent(address, reference.getValue());
                names.putIfAbsent(address, name);
            }
            documents.putIfAbsent(document.base().toString(), document);
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                builder -> builder.schemaRegistryConfig(config).schemas(texts::get));
        Schema validator;
        try {
            validator = registry.getSchema(SchemaLocation.of(DEFAULT_BASE.toString()), rootNode);
            // resolves every $ref now: a reference that is missing fails here, not on a record
            validator.initializeValidators();
        } catch (SchemaException | IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "not a JSON Schema steady-sink can use: " + e.getMessage(), e);
        }
        String dialect = rootNode.path("$schema").asText("");
        boolean legacy = dialect.isEmpty() || dialect.contains("draft-04") || dialect.contains("draft-06")
                || dialect.contains("draft-07");
        return new JsonSchemaFormat(validator, root, Map.copyOf(documents), Map.copyOf(names), legacy);
    }

    private static JsonNode schemaTree(String text, String what) throws RecordUnreadable {
        JsonNode node;
        try {
            node = SCHEMAS.readTree(text);
        } catch (JsonProcessingException e) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    what + " is not JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (node == null || !(node.isObject() || node.isBoolean())) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    what + " is not a JSON Schema (neither an object nor a boolean)");
        }
        return node;
    }

    /** The schema's absolute {@code $id}, or {@code fallback}. */
    private static URI base(JsonNode schema, URI fallback) {
        String id = schema.path("$id").asText("");
        if (id.isEmpty()) {
            id = schema.path("id").asText(""); // draft 4
        }
        return resolve(fallback, id).filter(URI::isAbsolute).orElse(fallback);
    }

    private static Optional<URI> resolve(URI base, String reference) {
        try {
            return Optional.of(base.resolve(new URI(reference)));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public RecordFormat format() {
        return RecordFormat.JSON_SCHEMA;
    }

    @Override
    public JsonNode read(ByteBuffer body) throws RecordUnreadable {
        JsonNode tree;
        try {
            tree = RECORDS.readTree(body.array(), body.arrayOffset() + body.position(), body.remaining());
        } catch (IOException e) {
            // the parser's own message quotes the text it choked on: name only where
            JsonLocation where = e instanceof JsonProcessingException processing ? processing.getLocation() : null;
            throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH, "not JSON text ("
                    + e.getClass().getSimpleName()
                    + (where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr()) + ")",
                    e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH, "no JSON value (an empty body)");
        }
        List<Error> errors;
        try {
            errors = validator.validate(tree);
        } catch (SchemaException e) {
            throw new RecordUnreadable(RecordUnreadable.Reason.SCHEMA_UNREADABLE,
                    "the schema cannot check a record: " + e.getMessage(), e);
        }
        if (!errors.isEmpty()) {
            throw new RecordUnreadable(RecordUnreadable.Reason.DOES_NOT_MATCH, describe(errors.get(0), errors.size()));
        }
        return tree;
    }

    /** Names the rule and where it failed; never the value (a record's data stays out of messages). */
    private String describe(Error error, int count) {
        String at = error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
        StringBuilder message = new StringBuilder("the value at ").append(at.isEmpty() ? "the root" : at)
                .append(" breaks the schema's rule \"").append(error.getKeyword()).append('"');
        SchemaLocation rule = error.getSchemaLocation();
        if (rule != null) {
            String document = rule.getAbsoluteIri() == null ? "" : rule.getAbsoluteIri().toString();
            String named = document.equals(DEFAULT_BASE.toString()) || document.equals(root.base().toString())
                    ? ""
                    : names.getOrDefault(document, document);
            message.append(" at ").append(named).append('#').append(rule.getFragment());
        }
        if ("required".equals(error.getKeyword()) && error.getProperty() != null) {
            // the schema's name for what is missing, not the record's data
            message.append(" (").append(error.getProperty()).append(" is missing)");
        }
        if ("format".equals(error.getKeyword()) && error.getSchemaNode() != null && error.getSchemaNode().isTextual()) {
            message.append(" (").append(error.getSchemaNode().asText()).append(')');
        }
        if (count > 1) {
            message.append(" (and ").append(count - 1).append(" more)");
        }
        return message.toString();
    }

    @Override
    public Optional<FieldTypes> at(JsonPointer pointer) {
        return at(new Located(root, root.root()), pointer, false, 0);
    }

    /**
     * What {@code schema} says of the value at {@code pointer} below it: the intersection of what its
     * {@code $ref}, its {@code allOf} members and its own keywords say.
     */
    private Optional<FieldTypes> at(Located schema, JsonPointer pointer, boolean optional, int hops) {
        JsonNode node = schema.node();
        if (hops > MAX_REF_HOPS) {
            return Optional.of(FieldTypes.open("json-schema (references nest too deep to tell)"));
        }
        if (node.isBoolean()) {
            return node.asBoolean() ? Optional.of(FieldTypes.open("json-schema true (any value)")) : Optional.empty();
        }
        if (!node.isObject()) {
            return Optional.of(FieldTypes.open("json-schema (any value)"));
        }
        List<Optional<FieldTypes>> all = new ArrayList<>();
        JsonNode ref = node.get("$ref");
        if (ref != null && ref.isTextual()) {
            Optional<Located> target = follow(schema.document(), ref.asText());
            Optional<FieldTypes> referred = target.isPresent()
                    ? at(target.get(), pointer, optional, hops + 1)
                    : Optional.of(FieldTypes.open("json-schema $ref " + ref.asText() + " (not resolved here)"));
            if (refReplacesSiblings) {
                return referred;
            }
            all.add(referred);
        }
        for (JsonNode member : node.path("allOf")) {
            all.add(at(new Located(schema.document(), member), pointer, optional, hops + 1));
        }
        List<JsonNode> branches = new ArrayList<>();
        node.path("oneOf").forEach(branches::add);
        node.path("anyOf").forEach(branches::add);
        if (!branches.isEmpty()) {
            all.add(union(branches, schema.document(), pointer, optional, hops));
        }
        all.add(own(schema, pointer, optional, hops));
        return intersection(all);
    }

    /** What the keywords of {@code schema} itself ({@code type}, {@code properties}, {@code items}...) say. */
    private Optional<FieldTypes> own(Located schema, JsonPointer pointer, boolean optional, int hops) {
        JsonNode node = schema.node();
        Set<JsonNodeType> declared = declaredTypes(node);
        if (pointer.matches()) {
            if (declared == null) {
                return Optional.of(FieldTypes.open("json-schema (any type)"));
            }
            Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
            types.addAll(declared);
            if (optional) {
                types.add(JsonNodeType.NULL);
            }
            return Optional.of(new FieldTypes(types, "json-schema " + spelled(node)));
        }
        boolean object = declared == null || declared.contains(JsonNodeType.OBJECT);
        boolean array = declared == null || declared.contains(JsonNodeType.ARRAY);
        boolean objectWords = node.has("properties") || node.has("additionalProperties")
                || node.has("patternProperties") || node.has("required");
        boolean arrayWords = node.has("items") || node.has("prefixItems") || node.has("additionalItems");
        if (declared == null && !objectWords && !arrayWords) {
            return Optional.of(FieldTypes.open("json-schema (any value)"));
        }
        List<Optional<FieldTypes>> found = new ArrayList<>();
        if (object) {
            found.add(property(schema, pointer, optional, hops));
        }
        if (array && pointer.getMatchingIndex() >= 0) {
            found.add(item(schema, pointer, hops));
        }
        return unionOf(found);
    }

    private Optional<FieldTypes> property(Located schema, JsonPointer pointer, boolean optional, int hops) {
        JsonNode node = schema.node();
        String name = pointer.getMatchingProperty();
        JsonPointer tail = pointer.tail();
        boolean required = false;
        for (JsonNode each : node.path("required")) {
            required |= each.asText().equals(name);
        }
        JsonNode declared = node.path("properties").get(name);
        if (declared != null) {
            return at(new Located(schema.document(), declared), tail, optional || !required, hops + 1);
        }
        Iterator<Map.Entry<String, JsonNode>> patterns = node.path("patternProperties").fields();
        while (patterns.hasNext()) {
            Map.Entry<String, JsonNode> pattern = patterns.next();
            try {
                if (Pattern.compile(pattern.getKey()).matcher(name).find()) {
                    return at(new Located(schema.document(), pattern.getValue()), tail, true, hops + 1);
                }
            } catch (PatternSyntaxException e) {
                // a pattern Java cannot read: the validator decides what it matches
            }
        }
        JsonNode additional = node.get("additionalProperties");
        if (additional == null || (additional.isBoolean() && additional.asBoolean())) {
            return Optional.of(FieldTypes.open("json-schema (any property of an object open to others)"));
        }
        return at(new Located(schema.document(), additional), tail, true, hops + 1);
    }

    private Optional<FieldTypes> item(Located schema, JsonPointer pointer, int hops) {
        JsonNode node = schema.node();
        int index = pointer.getMatchingIndex();
        JsonPointer tail = pointer.tail();
        JsonNode tuple = node.has("prefixItems") ? node.get("prefixItems") : node.path("items");
        JsonNode rest;
        if (tuple.isArray()) {
            if (index < tuple.size()) {
                return at(new Located(schema.document(), tuple.get(index)), tail, true, hops + 1);
            }
            rest = node.has("prefixItems") ? node.get("items") : node.get("additionalItems");
        } else {
            rest = node.get("items");
        }
        if (rest == null) {
            return Optional.of(FieldTypes.open("json-schema (any item)"));
        }
        return at(new Located(schema.document(), rest), tail, true, hops + 1);
    }

    private Optional<FieldTypes> union(List<JsonNode> branches, Document document, JsonPointer pointer,
            boolean optional, int hops) {
        List<Optional<FieldTypes>> found = new ArrayList<>();
        for (JsonNode branch : branches) {
            found.add(at(new Located(document, branch), pointer, optional, hops + 1));
        }
        return unionOf(found);
    }

    /** Any of them: the types of those present, their spellings joined by "or"; empty when none is. */
    private static Optional<FieldTypes> unionOf(List<Optional<FieldTypes>> found) {
        Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
        Set<String> described = new LinkedHashSet<>();
        for (Optional<FieldTypes> each : found) {
            each.ifPresent(f -> {
                types.addAll(f.types());
                described.add(f.described());
            });
        }
        return described.isEmpty()
                ? Optional.empty()
                : Optional.of(new FieldTypes(types, String.join(" or ", described)));
    }

    /**
     * All of them: empty if any is empty (or they allow no type in common); the types they share,
     * spelled as the first that fixes them does.
     */
    private static Optional<FieldTypes> intersection(List<Optional<FieldTypes>> all) {
        Set<JsonNodeType> types = EnumSet.allOf(JsonNodeType.class);
        String described = null;
        String open = null;
        for (Optional<FieldTypes> each : all) {
            if (each.isEmpty()) {
                return Optional.empty();
            }
            FieldTypes found = each.get();
            types.retainAll(found.types());
            if (found.types().size() == JsonNodeType.values().length) {
                open = open == null ? found.described() : open;
            } else if (described == null) {
                described = found.described();
            }
        }
        if (types.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FieldTypes(types, described != null ? described : open));
    }

    /** The JSON types {@code type} (or {@code const}, or {@code enum}) allows; {@code null} when it does not say. */
    private static Set<JsonNodeType> declaredTypes(JsonNode node) {
        JsonNode type = node.get("type");
        Set<JsonNodeType> types = EnumSet.noneOf(JsonNodeType.class);
        if (type != null && (type.isTextual() || type.isArray())) {
            for (JsonNode each : type.isArray() ? type : List.of(type)) {
                switch (each.asText()) {
                    case "integer", "number" -> types.add(JsonNodeType.NUMBER);
                    case "string" -> types.add(JsonNodeType.STRING);
                    case "boolean" -> types.add(JsonNodeType.BOOLEAN);
                    case "object" -> types.add(JsonNodeType.OBJECT);
                    case "array" -> types.add(JsonNodeType.ARRAY);
                    case "null" -> types.add(JsonNodeType.NULL);
                    default -> {
                        // not a JSON Schema type: the validator refuses the schema
                    }
                }
            }
            return types;
        }
        List<JsonNode> values = new ArrayList<>();
        if (node.has("const")) {
            values.add(node.get("const"));
        } else if (node.path("enum").isArray()) {
            node.get("enum").forEach(values::add);
        } else {
            return null;
        }
        for (JsonNode value : values) {
            types.add(value.getNodeType());
        }
        return types;
    }

    /** {@code string (date-time)}, {@code [string, null]}, {@code enum}, as the schema writes it. */
    private static String spelled(JsonNode node) {
        JsonNode type = node.get("type");
        String name;
        if (type == null) {
            name = node.has("const") ? "const" : "enum";
        } else if (type.isArray()) {
            List<String> listed = new ArrayList<>();
            type.forEach(each -> listed.add(each.asText()));
            name = "[" + String.join(", ", listed) + "]";
        } else {
            name = type.asText();
        }
        JsonNode format = node.get("format");
        return format != null && format.isTextual() ? name + " (" + format.asText() + ")" : name;
    }

    /** The subschema a {@code $ref} names: in this document, or one the references provide. */
    private Optional<Located> follow(Document from, String ref) {
        int hash = ref.indexOf('#');
        String address = hash < 0 ? ref : ref.substring(0, hash);
        String fragment = hash < 0 ? "" : ref.substring(hash + 1);
        Document document = from;
        if (!address.isEmpty()) {
            Optional<URI> resolved = resolve(from.base(), address);
            document = resolved.map(uri -> documents.get(uri.toString())).orElse(null);
            if (document == null) {
                return Optional.empty();
            }
        }
        if (fragment.isEmpty()) {
            return Optional.of(new Located(document, document.root()));
        }
        if (!fragment.startsWith("/")) {
            return Optional.empty(); // an anchor: the validator resolves it, this walk does not
        }
        JsonNode target;
        try {
            target = document.root().at(JsonPointer.compile(new URI("#" + fragment).getFragment()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
        return target.isMissingNode() ? Optional.empty() : Optional.of(new Located(document, target));
    }
}
