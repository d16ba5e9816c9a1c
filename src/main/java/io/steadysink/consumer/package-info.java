/**
 * The Kafka side: the {@code @Incoming} method that hands each polled batch to the writers, the
 * rebalance listener, in-flight tracking and the fetch ledger that decide what may be committed,
 * the group membership (joined, rebalancing, owned and lost partitions), the poll observer Kafka
 * creates as an interceptor, the look at the consumer between two polls, the shutdown drain and
 * the topic-ID guard. Durations are measured on the injected {@link io.steadysink.consumer.Ticker}.
 * <p>
 * May import {@code config}, {@code failure}, {@code sink}, {@code metrics} and {@code startup}; never
 * {@code health} (the monitor reads this package and hears about membership changes through
 * {@link io.steadysink.consumer.GroupMembership.Listener}) and never the root package.
 */
package io.steadysink.consumer;
