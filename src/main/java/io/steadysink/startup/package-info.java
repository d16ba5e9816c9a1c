/**
 * How start-up ends and how it waits: the {@link io.steadysink.startup.ExitCode exit codes}, the
 * {@link io.steadysink.startup.StartupFailure one-line failure} every start-up refusal throws, the
 * {@link io.steadysink.startup.StopSignal stop} that SIGTERM and SIGINT request, the budgeted
 * {@link io.steadysink.startup.StartupWait wait} for a dependency that is not there yet, and the
 * {@link io.steadysink.startup.StartupExit exit handler} that turns all of it into a status and one
 * line on standard error. Plain classes, no CDI.
 * <p>
 * Imports no other steady-sink package, so that every package may refuse start-up without a cycle:
 * what a failure of PostgreSQL or Kafka means is decided by the callers ({@code failure}, {@code sink},
 * {@code consumer}), which pass it in as {@link io.steadysink.startup.StartupWait.Unavailable} or a
 * {@link io.steadysink.startup.StartupFailure}.
 */
package io.steadysink.startup;
