package io.steadysink.sink;

import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * JSON strings into text-like columns (text, varchar, char, uuid, bytea, enums) and JSON subtrees
 * into json and jsonb. Every string must be Unicode text: half a surrogate pair (which a JSON
 * {@code \\u} escape can carry) would turn into {@code ?} on its way to PostgreSQL, so it is refused.
 */
final class TextValue {

    private static final Pattern UUID = Pattern
            .compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final String UNPAIRED = " with half a surrogate pair, which is not Unicode text";
    private static final ObjectWriter JSON = ColumnType.jsonMapper().writer();
    private static final int LABELS_SHOWN = 20;

    private TextValue() {
    }

    /** A string for text, varchar(n) or char(n) ({@code maxCharacters} -1 when unbounded). */
    static String text(String text, int maxCharacters, String type) throws Unconvertible {
        switch (problem(text)) {
            case NUL -> throw new Unconvertible("a JSON string containing U+0000, which " + type + " cannot hold");
            case UNPAIRED_SURROGATE -> throw new Unconvertible("a JSON string" + UNPAIRED);
            case NONE -> {
                // Unicode text
            }
        }
        if (maxCharacters >= 0 && text.length() > maxCharacters) {
            int characters = text.codePointCount(0, text.length());
            if (characters > maxCharacters) {
                throw new Unconvertible(
                        "a JSON string of " + characters + " characters, longer than " + type + " holds");
            }
        }
        return text;
    }

    static String uuid(String text) throws Unconvertible {
        if (!UUID.matcher(text).matches()) {
            throw new Unconvertible("a JSON string that is not a uuid");
        }
        return text.toLowerCase(java.util.Locale.ROOT);
    }

    /** Standard base64 with padding, in its one canonical spelling, as bytea's hex input. */
    static String bytea(String text) throws Unconvertible {
        byte[] bytes = null;
        if (text.length() % 4 == 0) {
            try {
                bytes = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                // refused below
            }
        }
        // the decoder ignores the unused bits of the last character ("QR==" is "QQ=="): re-encoding tells
        if (bytes == null || !Base64.getEncoder().encodeToString(bytes).equals(text)) {
            throw new Unconvertible("a JSON string that is not padded base64 (RFC 4648)");
        }
        return "\\x" + HexFormat.of().formatHex(bytes);
    }

    static String label(String text, List<String> labels, String type) throws Unconvertible {
        if (labels.contains(text)) {
            return text;
        }
        String shown = String.join(", ", labels.subList(0, Math.min(labels.size(), LABELS_SHOWN)))
                + (labels.size() > LABELS_SHOWN ? ", ..." : "");
        throw new Unconvertible("a JSON string that is not a label of " + type + " (" + shown + ")");
    }

    /**
     * Any JSON value as its JSON text. Both json and jsonb refuse half a surrogate pair; jsonb also
     * U+0000 in a string or name and numbers beyond numeric's range, since it stores each string as
     * text and each number as numeric.
     */
    static String json(JsonNode value, boolean binary) throws Unconvertible {
        String top = ColumnType.a(value.getNodeType());
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(value);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isTextual()) {
                refuse(top, problem(node.textValue()), binary);
            } else if (node.isNumber()) {
                number(top, node, binary);
            } else if (node.isObject()) {
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    refuse(top, problem(field.getKey()), binary);
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            }
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written as JSON", e);
        }
    }

    private static void refuse(String top, Problem problem, boolean binary) throws Unconvertible {
        if (problem == Problem.UNPAIRED_SURROGATE) {
            throw new Unconvertible(top + UNPAIRED);
        }
        if (problem == Problem.NUL && binary) {
            throw new Unconvertible(top + " with U+0000 in a string or name, which jsonb cannot hold");
        }
    }

    private static void number(String top, JsonNode number, boolean binary) throws Unconvertible {
        if ((number.isDouble() || number.isFloat()) && !Double.isFinite(number.doubleValue())) {
            throw new Unconvertible(top + " with a number that is not finite");
        }
        if (binary && number.isBigDecimal()) {
            java.math.BigDecimal decimal = number.decimalValue();
            if (decimal.scale() > JsonbValue.NUMERIC_MAX_SCALE
                    || Math.abs((long) decimal.scale()) > JsonbValue.NUMERIC_MAX_EXPONENT
                    || decimal.signum() != 0 && NumberText.integerDigits(decimal) - 1 > JsonbValue.NUMERIC_MAX_POWER) {
                throw new Unconvertible(top + " with a number beyond the range of numeric, which jsonb cannot hold");
            }
        }
    }

    private enum Problem {
        NONE, NUL, UNPAIRED_SURROGATE
    }

    /** Half a surrogate pair if {@code text} has one (json refuses it, not U+0000), else U+0000 if it has one. */
    private static Problem problem(String text) {
        boolean nul = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                nul = true;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Problem.UNPAIRED_SURROGATE;
            }
        }
        return nul ? Problem.NUL : Problem.NONE;
    }
}
