package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.sink.InvalidRecordException.Defect;

class RecordValidatorTest {

    private static final RecordValidator APPEND = new RecordValidator(SinkMode.APPEND, 1_000);
    private static final RecordValidator UPSERT = new RecordValidator(SinkMode.UPSERT, 1_000);

    @Test
    void jsonObjectsAndTombstonesAreValid() {
        assertThat(APPEND.problem(record("k", "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}"))).isNull();
        assertThat(APPEND.problem(record("k", "  {}  \n"))).isNull();
        assertThat(APPEND.problem(record(null, "{}"))).as("append mode needs no key").isNull();
        assertThat(APPEND.problem(new SinkRecord("t", 0, 1, null, null, List.of(), 0))).as("tombstone").isNull();
        assertThat(UPSERT.problem(new SinkRecord("t", 0, 1, bytes("k"), null, List.of(), 0))).isNull();
    }

    @Test
    void valuesThatAreNotJsonObjectsArePoison() {
        assertThat(defect(APPEND, "[1,2]")).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(defect(APPEND, "\"text\"")).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(defect(APPEND, "42")).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(defect(APPEND, "true")).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(defect(APPEND, "null")).isEqualTo(Defect.VALUE_NOT_OBJECT);
        assertThat(defect(APPEND, "")).isEqualTo(Defect.VALUE_NOT_JSON);
        assertThat(defect(APPEND, "{\"a\":")).isEqualTo(Defect.VALUE_NOT_JSON);
        assertThat(defect(APPEND, "{'a':1}")).isEqualTo(Defect.VALUE_NOT_JSON);
        assertThat(defect(APPEND, "{\"a\":1} x")).isEqualTo(Defect.VALUE_NOT_JSON);
        assertThat(defect(APPEND, "{}{}")).isEqualTo(Defect.VALUE_NOT_JSON);
        assertThat(defect(APPEND, "{\"a\":\"raw\u0001control\"}")).isEqualTo(Defect.VALUE_NOT_JSON);
    }

    @Test
    void findingsNameWhatWasFound() {
        InvalidRecordException array = APPEND.problem(record("k", "[1]"));
        assertThat(array.getMessage()).isEqualTo("record value is not a JSON object (t-0@7)");
        assertThat(array.getCause()).hasMessage("found an array at the top level");
        assertThat(APPEND.problem(record("k", "")).getCause()).hasMessage("the value is empty");
    }

    @Test
    void invalidUtf8InKeyOrValueIsPoisonAndItsPositionReported() {
        byte[] value = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '(', '"', '}'};
        InvalidRecordException badValue = APPEND.problem(new SinkRecord("t", 0, 1, null, value, List.of(), 0));
        assertThat(badValue.defect()).isEqualTo(Defect.VALUE_NOT_UTF8);
        assertThat(badValue.getCause()).hasMessage("invalid UTF-8 byte 0xC3 at index 6");

        byte[] key = {'k', (byte) 0xFF};
        assertThat(APPEND.problem(new SinkRecord("t", 0, 1, key, bytes("{}"), List.of(), 0)).defect())
                .isEqualTo(Defect.KEY_NOT_UTF8);
        assertThat(Utf8.problem(new byte[]{'a', (byte) 0xE2, (byte) 0x82}))
                .as("a sequence cut short").isEqualTo("invalid UTF-8 byte 0xE2 at index 1");
    }

    @Test
    void plainAsciiAndValidMultiByteUtf8AreBothAccepted() {
        assertThat(Utf8.problem(bytes("{\"plain\":\"ascii\"}"))).isNull();
        assertThat(Utf8.problem(bytes("{\"text\":\"ünïcødé € 🙂\"}"))).isNull();
        assertThat(APPEND.problem(new SinkRecord("t", 0, 1, bytes("clé"), bytes("{\"prix\":\"5 €\"}"), List.of(), 0)))
                .isNull();
    }

    @Test
    void valuesOverTheSizeLimitArePoisonBeforeTheyAreParsed() {
        char[] filler = new char[992];
        Arrays.fill(filler, 'x');
        String atLimit = "{\"a\":\"" + new String(filler, 0, 992) + "\"}";
        assertThat(atLimit.length()).isEqualTo(1_000);
        assertThat(APPEND.problem(record("k", atLimit))).isNull();
        InvalidRecordException over = APPEND.problem(record("k", atLimit + " "));
        assertThat(over.defect()).isEqualTo(Defect.VALUE_TOO_LARGE);
        assertThat(over.getCause()).hasMessage("1001 bytes, the limit is 1000");
    }

    @Test
    void nestingDeeperThanTheLimitIsPoisonAndTheLimitItselfIsAccepted() {
        RecordValidator roomy = new RecordValidator(SinkMode.APPEND, 1_000_000);
        int depth = JsonbValue.MAX_NESTING_DEPTH;
        String atLimit = "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
        assertThat(roomy.problem(record("k", atLimit))).isNull();
        String deeper = "{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        assertThat(roomy.problem(record("k", deeper)).defect()).isEqualTo(Defect.VALUE_TOO_COMPLEX);
    }

    @Test
    void upsertModeNeedsAKey() {
        assertThat(defect(UPSERT, null, "{}")).isEqualTo(Defect.MISSING_KEY);
        assertThat(UPSERT.problem(record("", "{}"))).as("an empty key is a key").isNull();
    }

    @Test
    void nulEscapeInAJsonStringOrNameIsPoisonBecauseJsonbCannotHoldIt() {
        InvalidRecordException inString = APPEND.problem(record("k", "{\"a\":\"x\\u0000y\"}"));
        assertThat(inString.defect()).isEqualTo(Defect.VALUE_CONTAINS_NUL);
        assertThat(inString.getCause()).hasMessage("\\u0000 at index 7");
        assertThat(defect(UPSERT, "{\"\\u0000\":1}")).as("in a name").isEqualTo(Defect.VALUE_CONTAINS_NUL);
        assertThat(defect(APPEND, "{\"a\":[\"\\t\\\\\",\"\\u0000\"]}")).isEqualTo(Defect.VALUE_CONTAINS_NUL);
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\\\u0000\"}"))).as("an escaped backslash, then text")
                .isNull();
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\u0041\\u00e9\\\"\\n\"}"))).isNull();
    }

    @Test
    void escapeOfHalfASurrogatePairIsPoisonBecauseJsonbRejectsIt() {
        for (String half : List.of("\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800x", "\\ud800\\n",
                "\\ud800\\ud800\\udc00", "\\ude00\\ud83d", "a\\uDBFF")) {
            assertThat(defect(APPEND, "{\"a\":\"" + half + "\"}")).as(half).isEqualTo(Defect.VALUE_UNPAIRED_SURROGATE);
        }
        // Jackson itself refuses half a pair in a name
        assertThat(APPEND.problem(record("k", "{\"\\ud800\":1}"))).as("in a name").isNotNull();
        assertThat(APPEND.problem(record("k", "{\"\\udc00x\":1}"))).as("in a name").isNotNull();
        assertThat(APPEND.problem(record("k", "{\"x\\ud800\\u0041\":1}"))).as("in a name").isNotNull();
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\ud800\"}")).getCause())
                .hasMessage("\\ud800 at index 6 is not followed by the escape of a low surrogate");
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\udc00\"}")).getCause())
                .hasMessage("\\udc00 at index 6 does not follow the escape of a high surrogate");
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\ud83d\\ude00 \\uD83D\\uDE00\",\"\\ud83d\\ude00\":1}")))
                .as("pairs").isNull();
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\uffff\\ufffe\\u00e9 é 😀\"}"))).isNull();
        assertThat(APPEND.problem(record("k", "{\"a\":\"\\\\ud800\"}"))).as("an escaped backslash, then text")
                .isNull();
    }

    @Test
    void numberBeyondTheRangeOfNumericIsPoisonBecauseJsonbRefusesIt() {
        for (String number : List.of("1e1000000", "1e131072", "9.99e131072", "-0.00001e131077", "1000e131069",
                "1e-16384", "1.0e-16383", "100e-16385", "0e-16384", "0e1073741823", "1e99999999999999999999")) {
            assertThat(defect(APPEND, "{\"n\":[1," + number + "]}")).as(number)
                    .isEqualTo(Defect.VALUE_NUMBER_OUT_OF_RANGE);
        }
        assertThat(APPEND.problem(record("k", "{\"n\":1e1000000}")).getCause())
                .hasMessage(
                        "1e1000000 at index 5: its first digit is at 10^1000000, numeric's range ends below 10^131072");
        assertThat(APPEND.problem(record("k", "{\"n\":1.0e-16383}")).getCause())
                .hasMessage(
                        "1.0e-16383 at index 5: it has 16384 digits after the decimal point, numeric takes at most 16383");
        for (String number : List.of("1e131071", "9.9e131071", "-0.5e131072", "1000e131068", "0.000010e131076",
                "1e-16383", "100e-16383", "0e1000000", "0.00000e16388", "0e1073741822", "1e1001", "-2.5E+1001",
                "1.5e308", "12345678901234567890", "1E+5", "0.1", "-0")) {
            assertThat(APPEND.problem(record("k", "{\"n\":" + number + "}"))).as(number).isNull();
        }
    }

    @Test
    void numberLongerThanTheJsonLimitIsPoison() {
        RecordValidator roomy = new RecordValidator(SinkMode.APPEND, 1_000_000);
        String atLimit = "9".repeat(JsonbValue.MAX_NUMBER_LENGTH);
        assertThat(roomy.problem(record("k", "{\"n\":" + atLimit + "}"))).isNull();
        assertThat(roomy.problem(record("k", "{\"n\":" + atLimit + "9}")).defect()).isEqualTo(Defect.VALUE_TOO_COMPLEX);
        assertThat(roomy.problem(record("k", "{\"n\":0." + atLimit + "}")).defect())
                .isEqualTo(Defect.VALUE_TOO_COMPLEX);
    }

    @Test
    void nulCharacterInTheKeyIsPoisonInBothModesBecauseTextCannotHoldIt() {
        InvalidRecordException append = APPEND.problem(record("k\u0000ey", "{}"));
        assertThat(append.defect()).isEqualTo(Defect.KEY_CONTAINS_NUL);
        assertThat(append.getCause()).hasMessage("U+0000 at index 1");
        assertThat(defect(UPSERT, "k\u0000ey", "{}")).isEqualTo(Defect.KEY_CONTAINS_NUL);
        assertThat(UPSERT.problem(new SinkRecord("t", 0, 1, bytes("\u0000"), null, List.of(), 0)).defect())
                .as("a tombstone").isEqualTo(Defect.KEY_CONTAINS_NUL);
    }

    @Test
    void upsertKeyLongerThanThePrimaryKeyIndexTakesIsPoison() {
        assertThat(RecordValidator.MAX_UPSERT_KEY_BYTES).isEqualTo(2_600);
        assertThat(UPSERT.problem(record("k".repeat(2_600), "{}"))).isNull();
        InvalidRecordException over = UPSERT.problem(record("k".repeat(2_601), "{}"));
        assertThat(over.defect()).isEqualTo(Defect.KEY_TOO_LONG);
        assertThat(over.getCause()).hasMessage("2601 bytes, the limit is 2600");
        assertThat(defect(UPSERT, "é".repeat(1_301), "{}")).as("counted in UTF-8 bytes").isEqualTo(Defect.KEY_TOO_LONG);
        assertThat(APPEND.problem(record("k".repeat(10_000), "{}"))).as("append does not index the key").isNull();
    }

    @Test
    void nulCharacterInAHeaderNameIsPoisonInAppendModeWhereHeadersAreStored() {
        SinkRecord record = new SinkRecord("t", 0, 1, bytes("k"), bytes("{}"),
                List.of(new RecordHeader("ok", bytes("v")), new RecordHeader("bad\u0000name", bytes("v"))), 0);
        InvalidRecordException append = APPEND.problem(record);
        assertThat(append.defect()).isEqualTo(Defect.HEADER_NAME_CONTAINS_NUL);
        assertThat(append.getCause()).hasMessage("U+0000 at index 3 of the header name \"bad\\u0000name\"");
        assertThat(UPSERT.problem(record)).as("upsert stores no headers").isNull();
        assertThat(APPEND.problem(new SinkRecord("t", 0, 1, bytes("k"), bytes("{}"),
                List.of(new RecordHeader("nul-in-value", new byte[]{'a', 0}), new RecordHeader("", null)), 0)))
                .as("values are stored as base64 when they are not text").isNull();
    }

    @Test
    void checkSplitsABatchKeepingTheOrderOfEachSide() {
        List<SinkRecord> batch = List.of(record("a", "{}"), record("b", "[]"), record("c", "{}"), record("d", "x"));
        RecordCheck.Checked checked = APPEND.check(batch);
        assertThat(checked.valid()).extracting(SinkRecord::keyText).containsExactly("a", "c");
        assertThat(checked.invalid()).extracting(e -> e.record().keyText()).containsExactly("b", "d");
    }

    private static Defect defect(RecordValidator validator, String value) {
        return defect(validator, "k", value);
    }

    private static Defect defect(RecordValidator validator, String key, String value) {
        InvalidRecordException problem = validator.problem(record(key, value));
        assertThat(problem).as("problem with %s", value).isNotNull();
        return problem.defect();
    }

    private static SinkRecord record(String key, String value) {
        return new SinkRecord("t", 0, 7, key == null ? null : bytes(key), bytes(value), List.of(), 0);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }
}
