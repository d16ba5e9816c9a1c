package io.steadysink.sink;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.config.TableName;
import io.steadysink.sink.InvalidRecordException.Defect;
import io.steadysink.testing.LocalPostgres;

/**
 * The checks and PostgreSQL agree on random records built from the cases at each rule's edge: every
 * record the checks accept is stored, in both modes; every record refused by an exact rule (U+0000,
 * half a surrogate pair, a number beyond numeric's range) PostgreSQL refuses too. The conservative
 * rule (key length) may refuse what this PostgreSQL would take, never the other way round.
 */
class RecordValidatorAgainstPostgresTest {

    private static final Set<Defect> EXACT = EnumSet.of(Defect.KEY_CONTAINS_NUL, Defect.HEADER_NAME_CONTAINS_NUL,
            Defect.VALUE_CONTAINS_NUL, Defect.VALUE_UNPAIRED_SURROGATE, Defect.VALUE_NUMBER_OUT_OF_RANGE);

    private static final String[] STRING_PIECES = {"a", "é", "😀", "\\n", "\\\\", "\\\"", "\\/", "\\u0041",
            "\\u00e9", "\\uffff", "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\\\\u0000", "\\\\ud800", "\\u0000", "\\ud800",
            "\\udc00", "\\ud800\\u0041", "\\ude00\\ud83d"};

    private static final String[] MANTISSAS = {"0", "1", "-1.5", "0.000", "1000", "0.00001", "9".repeat(400),
            "0." + "1".repeat(900)};

    private static final String[] EXPONENTS = {"", "", "e5", "e1000", "E-1000", "e+0001000", "e1001", "e-1001",
            "e131068", "e131069", "e131071", "e131072", "e131076", "e131077", "e-15483", "e-15484", "e-16380",
            "e-16381", "e-16382", "e-16383", "e-16384", "e130672", "e130673", "e1073741822", "e-1073741822",
            "e99999999999"};

    @Test
    void everyRecordTheChecksAcceptIsStoredAndEveryRecordAnExactRuleRefusesIsRejected() throws Exception {
        String append = "agree_append";
        String upsert = "agree_upsert";
        LocalPostgres.execute("DROP TABLE IF EXISTS " + append + ", " + append + "_schema_history, " + upsert + ", "
                + upsert + "_schema_history");
        LocalPostgres.migrate(SinkMode.APPEND, append);
        LocalPostgres.migrate(SinkMode.UPSERT, upsert);
        Map<SinkMode, BatchWriter> writers = Map.of(SinkMode.APPEND, new AppendWriter(TableName.of(append)),
                SinkMode.UPSERT, new UpsertWriter(TableName.of(upsert)));
        Map<SinkMode, RecordValidator> validators = Map.of(SinkMode.APPEND, new RecordValidator(SinkMode.APPEND,
                1_000_000), SinkMode.UPSERT, new RecordValidator(SinkMode.UPSERT, 1_000_000));
        Map<Defect, Integer> refused = new EnumMap<>(Defect.class);
        int stored = 0;
        Random random = new Random(1234);
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            for (int i = 0; i < 250; i++) {
                SinkRecord record = randomRecord(random, i);
                for (SinkMode mode : SinkMode.values()) {
                    InvalidRecordException problem = validators.get(mode).problem(record);
                    SQLException rejected = writeAlone(connection, writers.get(mode), record);
                    String what = mode + " " + describe(record);
                    if (problem == null) {
                        assertThat((Throwable) rejected).as("accepted by the checks, so stored: %s", what).isNull();
                        stored++;
                    } else {
                        refused.merge(problem.defect(), 1, Integer::sum);
                        if (EXACT.contains(problem.defect())) {
                            assertThat((Throwable) rejected).as("refused by the checks (%s), so by PostgreSQL: %s",
                                    problem.defect(), what).isNotNull();
                            assertThat(rejected.getSQLState()).as(what).startsWith("22");
                        }
                    }
                }
            }
        }
        assertThat(stored).as("records stored").isGreaterThan(60);
        assertThat(refused).as("every rule met").containsKeys(Defect.KEY_CONTAINS_NUL, Defect.KEY_TOO_LONG,
                Defect.HEADER_NAME_CONTAINS_NUL, Defect.VALUE_CONTAINS_NUL, Defect.VALUE_UNPAIRED_SURROGATE,
                Defect.VALUE_NUMBER_OUT_OF_RANGE);
    }

    @Test
    void numbersAtTheEdgesOfNumericsRangeAreJudgedAsPostgresJudgesThem() throws Exception {
        String table = "agree_numbers";
        LocalPostgres.execute("DROP TABLE IF EXISTS " + table + ", " + table + "_schema_history");
        LocalPostgres.migrate(SinkMode.APPEND, table);
        BatchWriter writer = new AppendWriter(TableName.of(table));
        RecordValidator validator = new RecordValidator(SinkMode.APPEND, 1_000_000);
        int offset = 0;
        int refused = 0;
        try (Connection connection = LocalPostgres.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            for (String mantissa : MANTISSAS) {
                for (String exponent : EXPONENTS) {
                    String value = "{\"n\":" + mantissa + exponent + "}";
                    SinkRecord record = new SinkRecord("agree", 0, offset++, null, value.getBytes(UTF_8), List.of(), 0);
                    InvalidRecordException problem = validator.problem(record);
                    SQLException rejected = writeAlone(connection, writer, record);
                    String what = value.length() > 60
                            ? value.substring(0, 30) + "…" + value.substring(value.length() - 30)
                            : value;
                    assertThat(problem == null).as("checks accept %s (%s) as PostgreSQL does (%s)", what, problem,
                            rejected).isEqualTo(rejected == null);
                    refused += problem == null ? 0 : 1;
                }
            }
        }
        assertThat(refused).as("numbers refused").isGreaterThan(20);
    }

    private static SQLException writeAlone(Connection connection, BatchWriter writer, SinkRecord record)
            throws SQLException {
        try {
            writer.write(connection, List.of(record));
            connection.commit();
            return null;
        } catch (SQLException e) {
            connection.rollback();
            return e;
        }
    }

    private static SinkRecord randomRecord(Random random, int i) {
        String key = switch (random.nextInt(8)) {
            case 0 -> i + "-k\u0000ey";
            case 1 -> incompressible(random, 2_600 - 3 + random.nextInt(7), i); // around the limit
            case 2 -> i + "-" + "é".repeat(1_300);
            default -> "k" + i;
        };
        List<Header> headers = new ArrayList<>();
        if (random.nextInt(6) == 0) {
            headers.add(new RecordHeader(random.nextBoolean() ? "bad\u0000name" : "trace-" + i, "v".getBytes(UTF_8)));
        }
        StringBuilder value = new StringBuilder("{");
        int members = 1 + random.nextInt(3);
        for (int m = 0; m < members; m++) {
            value.append(m == 0 ? "" : ",").append(randomString(random, 1)).append(':');
            value.append(random.nextBoolean() ? randomString(random, 4) : randomNumber(random));
        }
        value.append('}');
        return new SinkRecord("agree", 0, i, key.getBytes(UTF_8), value.toString().getBytes(UTF_8), headers, 1_000);
    }

    /** Pieces that make a record invalid are rarer, so that most records are stored. */
    private static String randomString(Random random, int maxPieces) {
        StringBuilder text = new StringBuilder("\"");
        int pieces = random.nextInt(maxPieces + 1);
        for (int p = 0; p < pieces; p++) {
            int safe = 13;
            int index = random.nextInt(4) == 0 ? random.nextInt(STRING_PIECES.length) : random.nextInt(safe);
            text.append(STRING_PIECES[index]);
        }
        return text.append('"').toString();
    }

    private static String randomNumber(Random random) {
        String exponent = random.nextInt(3) == 0 ? EXPONENTS[random.nextInt(EXPONENTS.length)] : "";
        return MANTISSAS[random.nextInt(MANTISSAS.length)] + exponent;
    }

    /** Random printable ASCII, which PostgreSQL cannot compress to fit an index entry. */
    private static String incompressible(Random random, int length, int i) {
        StringBuilder key = new StringBuilder(i + "-");
        while (key.length() < length) {
            key.append((char) ('!' + random.nextInt(94)));
        }
        return key.toString();
    }

    private static String describe(SinkRecord record) {
        String key = new String(record.key(), UTF_8).replace("\u0000", "\\0");
        return "key " + (key.length() > 20 ? key.substring(0, 20) + "… (" + record.key().length + " bytes)" : key)
                + ", headers " + record.headers().stream().map(h -> h.key().replace("\u0000", "\\0")).toList()
                + ", value " + new String(record.value(), UTF_8);
    }
}
