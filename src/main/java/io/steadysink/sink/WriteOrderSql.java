package io.steadysink.sink;

import java.util.List;

/**
 * {@link SinkRecord#WRITE_ORDER} in SQL: topic (compared with {@code COLLATE "C"}, byte order
 * whatever the database's collation; Kafka topic names are ASCII), then partition, then offset.
 * Every ordering guard compares coordinates through it.
 */
final class WriteOrderSql {

    private WriteOrderSql() {
    }

    /**
     * {@code a}'s coordinates come after {@code b}'s: each is a table alias and its topic, partition
     * and offset columns, in that order.
     */
    static String after(String a, List<String> aColumns, String b, List<String> bColumns) {
        return "(" + a + "." + aColumns.get(0) + " COLLATE \"C\", " + a + "." + aColumns.get(1) + ", " + a + "."
                + aColumns.get(2) + ") > (" + b + "." + bColumns.get(0) + " COLLATE \"C\", " + b + "."
                + bColumns.get(1) + ", " + b + "." + bColumns.get(2) + ")";
    }
}
