package io.steadysink.testing;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** Reads how far a consumer group has committed, from the broker itself. */
public final class GroupProgress {

    private GroupProgress() {
    }

    /** Records between the group's committed offsets and the log end, summed over partitions. */
    public static long committedLag(KafkaCompanion kafka, String group, String topic, int partitions) {
        List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        Map<TopicPartition, ListOffsetsResultInfo> ends = kafka.offsets().list(tps);
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.consumerGroups().offsets(group, tps);
        long lag = 0;
        for (TopicPartition tp : tps) {
            OffsetAndMetadata done = committed.get(tp);
            lag += ends.get(tp).offset() - (done == null ? 0 : done.offset());
        }
        return lag;
    }
}
