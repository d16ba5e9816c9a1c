package io.steadysink.health;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import io.steadysink.consumer.Ticker;
import io.steadysink.metrics.SinkMetrics;

/**
 * Which topics of {@code SINK_TOPICS} the broker says do not exist. A consumer subscribed to a
 * topic that does not exist joins its group, gets no partitions of it and waits without a word of
 * its own; this says it: a WARN per missing topic when it is found missing and again once per
 * {@code repeat} while it stays so, an INFO when it exists, and
 * {@code steady_sink_source_topic_missing}. The consumer takes the partitions of a topic created
 * later by itself (it keeps asking for the metadata of subscribed topics it does not know).
 */
final class SourceTopics {

    private static final Logger LOG = Logger.getLogger(SourceTopics.class);

    private final List<String> configured;
    private final SinkMetrics metrics;
    private final OngoingConditions<String> missing;

    /** @param configured the topics of {@code SINK_TOPICS} */
    SourceTopics(List<String> configured, SinkMetrics metrics, Duration repeat, Ticker ticker,
            InstantSource wallClock) {
        this.configured = List.copyOf(configured);
        this.metrics = metrics;
        this.missing = new OngoingConditions<>(repeat, ticker, wallClock);
    }

    List<String> configured() {
        return configured;
    }

    /** The broker answered: of the configured topics, those in {@code unknown} do not exist. */
    void described(Collection<String> unknown) {
        OngoingConditions.Update<String> update = missing.holding(configured.stream().filter(unknown::contains)
                .toList());
        for (OngoingConditions.Condition<String> topic : update.due()) {
            LOG.warnf("Topic %s of SINK_TOPICS does not exist (since %s): create it or fix SINK_TOPICS; consumption"
                    + " starts by itself once it exists", topic.key(), topic.since());
        }
        for (OngoingConditions.Condition<String> topic : update.ended()) {
            LOG.infof("Topic %s of SINK_TOPICS exists now (missing since %s, for %s); the consumer takes its"
                    + " partitions by itself", topic.key(), topic.since(), OngoingConditions.describe(topic.lasted()));
        }
        configured.forEach(topic -> metrics.sourceTopicMissing(topic, unknown.contains(topic)));
    }

    /** The configured topics missing at the last description, with since when, in configured order. */
    Map<String, Instant> missing() {
        Map<String, Instant> since = new LinkedHashMap<>();
        missing.current().forEach(topic -> since.put(topic.key(), topic.since()));
        return since;
    }
}
