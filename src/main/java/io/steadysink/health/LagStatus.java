package io.steadysink.health;

import java.util.List;

/**
 * Burrow-style evaluation of one partition over a window of lag samples:
 * <ul>
 * <li>{@link #OK}: lag was zero at some point in the window, or the committed offset moves and the
 * lag does not keep growing;</li>
 * <li>{@link #WARN}: the committed offset moves, but the lag grew in every sample of the window;</li>
 * <li>{@link #STALL}: the committed offset did not move over the window while lag > 0 and this
 * member was still fetching or writing the partition (stuck downstream);</li>
 * <li>{@link #STOP}: the committed offset did not move over the window while lag > 0 and nothing
 * happened on the partition at all (no fetch, no batch, no commit).</li>
 * </ul>
 */
public enum LagStatus {
    OK, WARN, STALL, STOP;

    /** Samples in the evaluation window. */
    public static final int WINDOW = 10;

    /** One observation: committed offset and lag in records. */
    public record Sample(long committed, long lag) {
    }

    /** Metric value: 0 OK, 1 WARN, 2 STALL, 3 STOP. */
    public int code() {
        return ordinal();
    }

    /**
     * @param samples oldest first; fewer than {@link #WINDOW} means not enough history yet
     * @param active whether the partition was fetched or written during the window
     */
    public static LagStatus of(List<Sample> samples, boolean active) {
        if (samples.size() < WINDOW || samples.stream().anyMatch(sample -> sample.lag() <= 0)) {
            return OK;
        }
        Sample first = samples.get(0);
        Sample last = samples.get(samples.size() - 1);
        if (last.committed() == first.committed()) {
            return active ? STALL : STOP;
        }
        for (int i = 1; i < samples.size(); i++) {
            if (samples.get(i).lag() <= samples.get(i - 1).lag()) {
                return OK;
            }
        }
        return WARN;
    }
}
