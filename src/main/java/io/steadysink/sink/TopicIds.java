package io.steadysink.sink;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

/**
 * Per sink table, the Kafka topic ID each consumed topic had when the table first saw it (table
 * {@code <table>_topics}, created by the migrations). A topic whose ID is no longer the recorded one
 * was deleted and recreated, or belongs to another cluster: its coordinates collide with rows of
 * the old topic.
 */
public final class TopicIds {

    private final DataSource dataSource;
    private final String table;
    private final String record;
    private final String read;

    public TopicIds(DataSource dataSource, String table) {
        this.dataSource = dataSource;
        this.table = table;
        String ids = tableFor(table);
        this.record = "INSERT INTO " + ids + " (topic, topic_id) SELECT * FROM unnest(?::text[], ?::uuid[])"
                + " ON CONFLICT (topic) DO NOTHING";
        this.read = "SELECT topic, topic_id FROM " + ids + " WHERE topic = ANY (?)";
    }

    /** The name of the table that records the topic IDs of {@code table}. */
    public static String tableFor(String table) {
        return table + "_topics";
    }

    /**
     * Records the ID of every topic seen for the first time, and compares the others with what was
     * recorded.
     *
     * @param current each topic's ID as the broker reports it now
     * @throws RecreatedTopicException for the first topic (by name) whose ID changed
     */
    public void verify(Map<String, UUID> current) throws SQLException {
        if (current.isEmpty()) {
            return;
        }
        List<String> topics = new ArrayList<>(current.keySet());
        topics.sort(null);
        Map<String, UUID> recorded = new HashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            Array names = connection.createArrayOf("text", topics.toArray());
            try (PreparedStatement insert = connection.prepareStatement(record)) {
                insert.setArray(1, names);
                insert.setArray(2, connection.createArrayOf("uuid", topics.stream().map(current::get).toArray()));
                insert.executeUpdate();
            }
            try (PreparedStatement select = connection.prepareStatement(read)) {
                select.setArray(1, names);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        recorded.put(rows.getString(1), rows.getObject(2, UUID.class));
                    }
                }
            }
        }
        for (String topic : topics) {
            UUID was = recorded.get(topic);
            if (was != null && !was.equals(current.get(topic))) {
                throw RecreatedTopicException.idChanged(table, topic, was, current.get(topic));
            }
        }
    }
}
