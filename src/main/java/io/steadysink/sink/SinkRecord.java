package io.steadysink.sink;

import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One Kafka record as the sink sees it: raw key and value bytes plus the coordinates that make
 * writes idempotent. A {@code null} value is a tombstone. {@code offset} is where the record is in
 * Kafka (what is committed and dead-lettered); {@code rowOffset} is the offset its row is written
 * under, the same except for a replayed dead letter, which lands under its {@link Origin}.
 */
public record SinkRecord(String topic, int partition, long offset, byte[] key, byte[] value, List<Header> headers,
        long timestamp, long rowOffset) {

    /** A record written under its own coordinates. */
    public SinkRecord(String topic, int partition, long offset, byte[] key, byte[] value, List<Header> headers,
            long timestamp) {
        this(topic, partition, offset, key, value, headers, timestamp, offset);
    }

    public static SinkRecord of(ConsumerRecord<byte[], byte[]> record) {
        Optional<Origin> origin = Origin.of(record.headers(), record.topic(), record.partition(), record.offset());
        if (origin.isEmpty()) {
            return new SinkRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                    List.of(record.headers().toArray()), record.timestamp());
        }
        List<Header> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            if (!Origin.isOriginHeader(header.key())) {
                headers.add(header);
            }
        }
        // without the origin's timestamp (a dead letter of an older version) the event time is unknown:
        // the replay's own timestamp would differ for every copy of the record
        Long timestamp = origin.get().timestamp();
        return new SinkRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                List.copyOf(headers), timestamp == null ? RecordBatch.NO_TIMESTAMP : timestamp, origin.get().offset());
    }

    public static List<SinkRecord> of(ConsumerRecords<byte[], byte[]> records) {
        List<SinkRecord> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            batch.add(of(record));
        }
        return batch;
    }

    public boolean isTombstone() {
        return value == null;
    }

    /** The key as UTF-8 text, or {@code null} for a record without key. */
    public String keyText() {
        if (key == null) {
            return null;
        }
        try {
            return Utf8.decode(key);
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException(this, InvalidRecordException.Defect.KEY_NOT_UTF8, e);
        }
    }

    /** Event time in epoch milliseconds, or {@code null} when the record carries none. */
    public Long eventTime() {
        return timestamp == RecordBatch.NO_TIMESTAMP ? null : timestamp;
    }

    /** {@code topic-partition@offset} in Kafka, for logs, error messages and dead letters. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    /**
     * The one total order of the writes to a key in upsert mode: topic, then partition, then offset
     * (the row offset: a replayed dead letter keeps its place).
     * The SQL guards ({@link WriteOrderSql}) compare the row's source the same way (the topic with
     * {@code COLLATE "C"}: Kafka topic names are ASCII, where UTF-16 and byte order agree). Event
     * time plays no part: producer clocks and stream-processor timestamps go backwards within a
     * partition, where only the offset tells which write came last.
     */
    public static final Comparator<SinkRecord> WRITE_ORDER = (a, b) -> {
        int byTopic = a.topic.compareTo(b.topic);
        if (byTopic != 0) {
            return byTopic;
        }
        int byPartition = Integer.compare(a.partition, b.partition);
        return byPartition != 0 ? byPartition : Long.compare(a.rowOffset, b.rowOffset);
    };

    /** Whether this record supersedes {@code other} for the same key, by {@link #WRITE_ORDER}. */
    public boolean isNewerThan(SinkRecord other) {
        return WRITE_ORDER.compare(this, other) > 0;
    }
}
