package io.steadysink.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Debezium's {@code ZonedTimestamp} spelling ({@code …T…Z}) is read without a formatter: every string
 * gives the date-time {@link OffsetDateTime#parse} gives, or is left to it.
 */
class TimeTextTest {

    @Test
    void utcSpellingsReadAsOffsetDateTimeParseReadsThem() {
        List<String> texts = List.of("2024-03-01T10:34:56.789012Z", "2024-03-01T10:34:56Z", "2024-03-01T10:34:56.7Z",
                "2024-03-01T10:34:56.123456789Z", "2024-03-01T10:34:56.000000Z", "0001-01-01T00:00:00Z",
                "0000-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z", "2024-02-29T00:00:00Z",
                "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z",
                "2024-03-01T24:00:00Z", "2024-03-01T23:60:00Z", "2024-03-01T23:59:60Z", "2024-03-01T10:34:56.Z",
                "2024-03-01T10:34:56.1234567890Z", "2024-03-01t10:34:56Z", "2024-03-01T10:34:56z",
                "2024-03-01T10:34:56+00:00", "2024-03-01T10:34:56.5+02:00", "2024-03-01 10:34:56Z",
                "2024-03-01T10:34Z", "+2024-03-01T10:34:56Z", "2024-3-01T10:34:56.5Z", "2024-03-01T10:34:5xZ",
                "2024-03-01T10:34:56.12a4Z", "٢٠٢٤-03-01T10:34:56Z", "2024-03-01T10:34:56.٥Z", "");
        for (String text : texts) {
            String expected;
            try {
                expected = OffsetDateTime.parse(text).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime()
                        .toString();
            } catch (DateTimeParseException e) {
                expected = null;
            }
            var fast = TimeText.utcZ(text);
            if (fast != null) {
                assertNotNull(expected, text + " is read, but OffsetDateTime.parse refuses it");
                assertEquals(expected, fast.toString(), text);
            }
        }
        assertNotNull(TimeText.utcZ("2024-03-01T10:34:56.789012Z"));
        assertNotNull(TimeText.utcZ("2024-03-01T10:34:56Z"));
        assertNotNull(TimeText.utcZ("2024-03-01T10:34:56.123456789Z"));
    }

    @Test
    void timestamptzColumnsConvertDebeziumsSpellingAsBefore() throws Exception {
        ColumnType timestamptz = ColumnType.of("timestamp with time zone");
        ColumnType millis = ColumnType.of("timestamp(3) with time zone");
        assertEquals("2024-03-01 10:34:56.789012+00",
                timestamptz.toText(TextNode.valueOf("2024-03-01T10:34:56.789012Z"),
                        EpochUnit.NONE));
        assertEquals("0001-01-01 00:00:00+00", timestamptz
                .toText(TextNode.valueOf("0001-01-01T00:00:00Z"), EpochUnit.NONE));
        assertEquals("a JSON string outside the years 1 to 9999 (in UTC)",
                refusal(timestamptz, "0000-12-31T23:59:59.999999Z"));
        assertEquals("a JSON string more precise than timestamp(3) with time zone keeps",
                refusal(millis, "2024-03-01T10:34:56.7891Z"));
        assertEquals("a JSON string that is not an ISO-8601 date-time with a UTC offset",
                refusal(timestamptz, "2023-02-29T00:00:00Z"));
    }

    private static String refusal(ColumnType type, String text) {
        try {
            return "converted: " + type.toText(TextNode.valueOf(text), EpochUnit.NONE);
        } catch (Unconvertible e) {
            return e.getMessage();
        }
    }
}
