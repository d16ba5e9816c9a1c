package io.steadysink.sink;

import java.sql.SQLException;
import java.util.UUID;

import org.apache.kafka.common.Uuid;

/**
 * A consumed topic is not the one the table was filled from: it was deleted and recreated under
 * the same name, or the broker address now leads to another cluster. Its offsets start again where
 * rows of the old topic already are, so its records would be taken for replays ({@code append}) or
 * for stale writes ({@code upsert}) and silently dropped. Not transient and not a bad record: the
 * consumer stops until a person chooses what the new topic is.
 */
public final class RecreatedTopicException extends SQLException {

    private RecreatedTopicException(String message) {
        super(message);
    }

    /**
     * The topic's Kafka topic ID is not the one recorded when the table first consumed it. The IDs
     * are shown as Kafka's tools show them ({@code kafka-topics.sh --describe}).
     */
    public static RecreatedTopicException idChanged(String table, String topic, UUID recorded, UUID current) {
        return new RecreatedTopicException(what(topic) + "table " + table + " recorded topic ID " + kafka(recorded)
                + " for it, the broker reports " + kafka(current) + choices(table, topic));
    }

    /** The table already holds a different record (key, value or timestamp) at the coordinates. */
    public static RecreatedTopicException coordinatesReused(String table, String topic, int partition, long offset) {
        return new RecreatedTopicException(what(topic) + "table " + table + " already holds another record at "
                + topic + "-" + partition + "@" + offset + choices(table, topic));
    }

    private static String kafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString();
    }

    private static String what(String topic) {
        return "topic " + topic + " was deleted and recreated, or KAFKA_BOOTSTRAP_SERVERS now points at another "
                + "cluster: ";
    }

    private static String choices(String table, String topic) {
        return "; its offsets start again where rows of the old topic are, so its records would be skipped as "
                + "replays or stale writes. Either it is a new stream: stop every replica, keep the old rows "
                + "elsewhere if they are still needed, run DELETE FROM " + table + " WHERE kafka_topic = '" + topic
                + "'; DELETE FROM " + TopicIds.tableFor(table) + " WHERE topic = '" + topic + "'; (or set "
                + "SINK_TABLE to a new table instead), reset the group's offsets of the topic "
                + "(kafka-consumer-groups.sh --bootstrap-server $KAFKA_BOOTSTRAP_SERVERS --group $SINK_GROUP_ID "
                + "--topic " + topic + " --reset-offsets --to-earliest --execute) and start again; or point "
                + "KAFKA_BOOTSTRAP_SERVERS and SINK_TOPICS back at the cluster the table was filled from";
    }
}
