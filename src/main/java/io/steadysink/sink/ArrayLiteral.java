package io.steadysink.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

/**
 * A JSON array as a one-dimensional PostgreSQL array literal: {@code {"a","b\"c",NULL}}. Every
 * element is converted as its column's element type and written quoted (backslash and double quote
 * escaped), so no element text can be mistaken for NULL, a separator or a nested array.
 */
final class ArrayLiteral {

    private ArrayLiteral() {
    }

    static String of(JsonNode array, ColumnType element, EpochUnit unit, String type) throws Unconvertible {
        StringBuilder literal = new StringBuilder(2 + array.size() * 8).append('{');
        for (int i = 0; i < array.size(); i++) {
            if (i > 0) {
                literal.append(',');
            }
            JsonNode item = array.get(i);
            if (item.isNull()) {
                literal.append("NULL");
                continue;
            }
            JsonNodeType json = item.getNodeType();
            if (!element.accepts(json, unit)) {
                String name = ColumnType.name(json);
                throw new Unconvertible("a JSON array with " + (startsWithVowel(name) ? "an " : "a ") + name
                        + " element at index " + i + " for " + type);
            }
            String text;
            try {
                text = element.toText(item, unit);
            } catch (Unconvertible e) {
                throw new Unconvertible("a JSON array whose element at index " + i + " is " + e.getMessage());
            }
            quote(literal, text);
        }
        return literal.append('}').toString();
    }

    private static void quote(StringBuilder literal, String text) {
        literal.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                literal.append('\\');
            }
            literal.append(c);
        }
        literal.append('"');
    }

    private static boolean startsWithVowel(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0;
    }
}
