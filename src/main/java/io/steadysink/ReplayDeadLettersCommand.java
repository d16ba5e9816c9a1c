package io.steadysink;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.QuarkusApplication;
import io.smallrye.common.annotation.Identifier;
import io.steadysink.config.SinkConfig;
import io.steadysink.failure.DeadLetterReplay;

/**
 * {@code java -jar quarkus-run.jar replay-dead-letters [--dry-run]}: sends the records of
 * {@code SINK_DLQ_TOPIC} back to their source topics once the cause is fixed, with the same
 * environment as the service. The consumer does not start; the HTTP server neither.
 */
public class ReplayDeadLettersCommand implements QuarkusApplication {

    public static final String NAME = "replay-dead-letters";
    static final String DRY_RUN = "--dry-run";

    private static final Logger LOG = Logger.getLogger(ReplayDeadLettersCommand.class);

    @Inject
    SinkConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Override
    public int run(String... args) {
        List<String> options = List.of(args).subList(1, args.length);
        if (!options.stream().allMatch(DRY_RUN::equals)) {
            LOG.errorf("Unknown option in %s: usage: java -jar quarkus-run.jar %s [%s]", options, NAME, DRY_RUN);
            return 2;
        }
        DeadLetterReplay replay = new DeadLetterReplay(config.dlqTopic(), config.groupId(), kafka);
        try {
            DeadLetterReplay.Summary summary = replay.run(options.contains(DRY_RUN), LOG::info);
            LOG.infof("%s %d dead-lettered record(s) from %s to their source topics %s; %d without a "
                    + "dead-letter-topic header skipped; progress is kept by consumer group %s",
                    summary.dryRun() ? "Would replay" : "Replayed", summary.total(), config.dlqTopic(),
                    summary.replayed(), summary.withoutSource(), replay.replayGroup());
            return 0;
        } catch (Exception e) {
            LOG.errorf("Replay of %s stopped, nothing after the last committed record was replayed: %s",
                    config.dlqTopic(), e.getMessage());
            return 1;
        }
    }
}
