package io.steadysink.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.steadysink.config.SinkMode;
import io.steadysink.testing.LocalPostgres;

class TopicIdsTest {

    private static final AtomicInteger TABLES = new AtomicInteger();

    private String table;
    private TopicIds ids;

    @BeforeEach
    void createTable() {
        table = "topic_ids_" + TABLES.incrementAndGet();
        LocalPostgres.migrate(SinkMode.APPEND, table);
        ids = new TopicIds(LocalPostgres.dataSource(), table);
    }

    @Test
    void recordsEachTopicsIdWhenFirstSeenAndAcceptsTheSameIdAfterwards() throws Exception {
        UUID orders = UUID.randomUUID();
        UUID payments = UUID.randomUUID();

        ids.verify(Map.of("orders", orders));
        ids.verify(Map.of("orders", orders, "payments", payments));
        ids.verify(Map.of("payments", payments));

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table + "_topics")).isEqualTo(2);
        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table + "_topics WHERE topic = 'orders' AND "
                + "topic_id = '" + orders + "' AND first_seen IS NOT NULL")).isEqualTo(1);
    }

    @Test
    void aTopicWhoseIdChangedIsReportedWithBothIdsAndNothingIsRecordedOverTheOldOne() throws Exception {
        UUID old = UUID.randomUUID();
        UUID recreated = UUID.randomUUID();
        ids.verify(Map.of("orders", old));

        assertThatThrownBy(() -> ids.verify(Map.of("orders", recreated, "payments", UUID.randomUUID())))
                .isInstanceOf(RecreatedTopicException.class)
                .hasMessageStartingWith("topic orders was deleted and recreated, or KAFKA_BOOTSTRAP_SERVERS now points "
                        + "at another cluster: table " + table + " recorded topic ID " + kafka(old) + " for it, the "
                        + "broker reports " + kafka(recreated))
                .hasMessageContaining("DELETE FROM " + table + " WHERE kafka_topic = 'orders'; DELETE FROM " + table
                        + "_topics WHERE topic = 'orders';");

        assertThat(LocalPostgres.queryLong("SELECT count(*) FROM " + table + "_topics WHERE topic = 'orders' AND "
                + "topic_id = '" + old + "'")).isEqualTo(1);
        // following the advice records the new topic on the next check
        LocalPostgres.execute("DELETE FROM " + table + "_topics WHERE topic = 'orders'");
        ids.verify(Map.of("orders", recreated));
        ids.verify(Map.of("orders", recreated));
    }

    /** The ID as Kafka's tools print it. */
    private static String kafka(UUID id) {
        return new Uuid(id.getMostSignificantBits(), id.getLeastSignificantBits()).toString();
    }
}
