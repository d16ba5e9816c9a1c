package io.steadysink.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** Reads an append-mode table written from a {@link FlowingTopic}. */
public record AppendTable(String name) {

    public long rows() {
        return LocalPostgres.queryLong("SELECT count(*) FROM " + name);
    }

    /** {@code partition@offset → id} of every row, comparable with {@link FlowingTopic#produced()}. */
    public Map<String, Integer> contents() {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT kafka_partition, kafka_offset, (payload->>'id')::int FROM " + name)) {
            while (row.next()) {
                rows.put(row.getInt(1) + "@" + row.getLong(2), row.getInt(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** Microseconds since the epoch of the latest insert. */
    public long lastIngestedMicros() {
        return LocalPostgres.queryLong("SELECT (extract(epoch FROM max(ingested_at)) * 1000000)::bigint FROM " + name);
    }
}
