package io.steadysink.sink;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Strict UTF-8: bytes that are not valid UTF-8 are refused, never replaced with U+FFFD, so what is
 * stored as text is exactly what was sent.
 */
final class Utf8 {

    private Utf8() {
    }

    /** {@code bytes} as text; throws when they are not valid UTF-8. */
    static String decode(byte[] bytes) throws CharacterCodingException {
        return decode(ByteBuffer.wrap(bytes)).toString();
    }

    /** Where {@code bytes} stop being UTF-8, or {@code null} when they are valid UTF-8. */
    static String problem(byte[] bytes) {
        if (isAscii(bytes)) {
            return null; // the common case, without decoding
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            decode(in);
            return null;
        } catch (CharacterCodingException e) {
            int at = Math.min(in.position(), bytes.length - 1); // the decoder stops at the first bad byte
            return String.format(Locale.ROOT, "invalid UTF-8 byte 0x%02X at index %d", bytes[at] & 0xFF, at);
        }
    }

    private static CharBuffer decode(ByteBuffer in) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }
}
