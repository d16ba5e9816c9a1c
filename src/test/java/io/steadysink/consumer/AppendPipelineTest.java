package io.steadysink.consumer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.steadysink.testing.GroupProgress;
import io.steadysink.testing.LocalPostgres;
import io.steadysink.testing.Scrape;
import io.steadysink.testing.SinkInfrastructure;
import io.steadysink.testing.SinkUnderTest;

/** The default test configuration: append mode, topic {@code events}, table {@code sink_events}. */
@QuarkusTest
@QuarkusTestResource(SinkInfrastructure.class)
class AppendPipelineTest extends SinkUnderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RECORDS = 1_500;

    @Test
    void everyProducedRecordLandsExactlyOnceWithItsCoordinatesAndIsCommitted() throws Exception {
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            ProducerRecord<String, String> record = new ProducerRecord<>(SinkInfrastructure.EVENTS_TOPIC,
                    i % SinkInfrastructure.PARTITIONS, "k" + i, "{\"id\":" + i + ",\"note\":\"line\\nbreak\\t\"}");
            record.headers().add(new RecordHeader("source", ("test-" + i).getBytes(UTF_8)));
            records.add(record);
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));

        await().atMost(Duration.ofSeconds(90))
                .until(() -> LocalPostgres.queryLong("SELECT count(*) FROM sink_events") >= RECORDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> GroupProgress.committedLag(kafka, "steady-sink",
                SinkInfrastructure.EVENTS_TOPIC, SinkInfrastructure.PARTITIONS) == 0);

        Map<Integer, Long> previousOffset = new HashMap<>();
        int rows = 0;
        try (Connection connection = LocalPostgres.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT kafka_partition, kafka_offset, kafka_key, payload::text,"
                        + " headers->>'source' FROM sink_events ORDER BY (payload->>'id')::int")) {
            while (row.next()) {
                int id = JSON.readTree(row.getString(4)).get("id").asInt();
                assertThat(id).isEqualTo(rows);
                assertThat(row.getInt(1)).isEqualTo(id % SinkInfrastructure.PARTITIONS);
                assertThat(row.getString(3)).isEqualTo("k" + id);
                assertThat(row.getString(5)).isEqualTo("test-" + id);
                Long previous = previousOffset.put(row.getInt(1), row.getLong(2));
                if (previous != null) {
                    assertThat(row.getLong(2)).as("offsets of partition %d follow production order", row.getInt(1))
                            .isEqualTo(previous + 1);
                }
                rows++;
            }
        }
        assertThat(rows).isEqualTo(RECORDS);

        HttpResponse<String> scrape = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body())
                .contains("steady_sink_records_written_total{topic=\"events\"} " + RECORDS + ".0");
    }

    @Test
    void eachWrittenBatchShowsItsTimeInTheTopicInTheQueueInItsStatementsAndAtItsCommit() throws Exception {
        String before = scrape();
        List<ProducerRecord<String, String>> records = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            records.add(new ProducerRecord<>(SinkInfrastructure.EVENTS_TOPIC, i % SinkInfrastructure.PARTITIONS,
                    "t" + i, "{\"timed\":" + i + "}"));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(90)).until(
                () -> LocalPostgres.queryLong("SELECT count(*) FROM sink_events WHERE payload ? 'timed'") == 50);

        String after = scrape();
        for (String histogram : List.of("steady_sink_batch_age_at_poll_seconds", "steady_sink_batch_queued_seconds",
                "steady_sink_batch_statements_seconds", "steady_sink_batch_commit_seconds")) {
            assertThat(Scrape.decimal(after, histogram + "_count") - Math.max(0, Scrape.decimal(before,
                    histogram + "_count"))).as("batches timed by %s", histogram).isGreaterThanOrEqualTo(1);
            assertThat(after).as("%s is a histogram", histogram).contains(histogram + "_bucket{le=\"");
        }
        assertThat(Scrape.decimal(after, "steady_sink_batch_statements_seconds_count"))
                .as("one sample each for a transaction's statements and its commit")
                .isEqualTo(Scrape.decimal(after, "steady_sink_batch_commit_seconds_count"));
    }

    @Test
    void counterSeriesExistAtZeroBeforeTheirFirstEvent() throws Exception {
        String scrape = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        // append mode never sees a missing key: the series exists only because it was registered at 0
        assertThat(scrape).contains("steady_sink_records_dead_lettered_total{reason=\"missing-key\","
                + "strategy=\"dead-letter-queue\",topic=\"events\"} 0.0")
                .containsPattern("steady_sink_records_skipped_total\\{mode=\"append\"\\} \\d");
    }
}
