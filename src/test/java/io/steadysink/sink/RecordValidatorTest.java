package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

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
        assertThat(RecordValidator.utf8Problem(new byte[]{'a', (byte) 0xE2, (byte) 0x82}))
                .as("a sequence cut short").isEqualTo("invalid UTF-8 byte 0xE2 at index 1");
    }

    @Test
    void plainAsciiAndValidMultiByteUtf8AreBothAccepted() {
        assertThat(RecordValidator.utf8Problem(bytes("{\"plain\":\"ascii\"}"))).isNull();
        assertThat(RecordValidator.utf8Problem(bytes("{\"text\":\"ünïcødé € 🙂\"}"))).isNull();
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
        int depth = RecordValidator.MAX_NESTING_DEPTH;
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
    void checkSplitsABatchKeepingTheOrderOfEachSide() {
        List<SinkRecord> batch = List.of(record("a", "{}"), record("b", "[]"), record("c", "{}"), record("d", "x"));
        RecordValidator.Checked checked = APPEND.check(batch);
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
