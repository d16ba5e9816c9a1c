package io.steadysink.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class FetchLedgerTest {

    private static final TopicPartition PARTITION = new TopicPartition("orders", 0);

    @Test
    void aWrittenChunkNoLongerHoldsItsRecordWhileItWaitsForTheCommit() throws InterruptedException {
        FetchLedger ledger = new FetchLedger();
        WeakReference<byte[]> value = fetchAndWrite(ledger);

        for (int attempt = 0; attempt < 20 && value.get() != null; attempt++) {
            System.gc();
            Thread.sleep(10);
        }

        assertThat(value.get() == null).as("the 1 MiB value of a record whose chunk is written but not yet committed"
                + " has been collected").isTrue();
        assertThat(ledger.writtenThrough(PARTITION)).hasValue(1);
        assertThat(ledger.settled(PARTITION)).isFalse();
        ledger.committed(Map.of(PARTITION, new OffsetAndMetadata(1)));
        assertThat(ledger.settled(PARTITION)).isTrue();
    }

    /** Fetches one record of 1 MiB and writes its batch; returns a weak reference to its value. */
    private static WeakReference<byte[]> fetchAndWrite(FetchLedger ledger) {
        byte[] value = new byte[1 << 20];
        ConsumerRecords<byte[], byte[]> batch = new ConsumerRecords<>(
                Map.of(PARTITION, List.of(new ConsumerRecord<>("orders", 0, 0, null, value))), Map.of());
        ledger.fetched(batch);
        ledger.written(batch);
        return new WeakReference<>(value);
    }
}
