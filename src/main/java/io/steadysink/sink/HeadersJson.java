package io.steadysink.sink;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * Kafka headers as a JSON object from header name to value. A value is its UTF-8 text; bytes that
 * are not valid UTF-8 (or text that starts with the marker itself) become {@value #BASE64_MARKER}
 * followed by their base64. A name repeated in one record maps to an array of its values, in order,
 * so no header is lost.
 */
public final class HeadersJson {

    public static final String BASE64_MARKER = "base64:";

    private static final JsonFactory JSON = new JsonFactory();

    private HeadersJson() {
    }

    public static String of(List<Header> headers) {
        if (headers.isEmpty()) {
            return "{}";
        }
        Map<String, List<byte[]>> byName = new LinkedHashMap<>();
        for (Header header : headers) {
            byName.computeIfAbsent(header.key(), name -> new ArrayList<>(1)).add(header.value());
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<String, List<byte[]>> entry : byName.entrySet()) {
                json.writeFieldName(entry.getKey());
                List<byte[]> values = entry.getValue();
                if (values.size() == 1) {
                    json.writeString(text(values.get(0)));
                } else {
                    json.writeStartArray();
                    for (byte[] value : values) {
                        json.writeString(text(value));
                    }
                    json.writeEndArray();
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The header value as stored: UTF-8 text, base64 with the marker, or {@code null}. */
    static String text(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            String text = Utf8.decode(value);
            // PostgreSQL text cannot hold NUL; the marker prefix must stay unambiguous.
            if (text.indexOf('\u0000') < 0 && !text.startsWith(BASE64_MARKER)) {
                return text;
            }
        } catch (CharacterCodingException e) {
            // not text: fall through to base64
        }
        return BASE64_MARKER + Base64.getEncoder().encodeToString(value);
    }
}
