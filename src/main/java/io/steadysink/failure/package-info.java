/**
 * What a failure means and what happens to it: {@link io.steadysink.failure.FailureClass} decides
 * transient, poison or fatal in one place; poison records are isolated from their batch (by the
 * record checks, then by bisecting what PostgreSQL rejects or what outruns the statement timeout)
 * and handed to the failure strategy in offset order; transient database errors are retried in
 * place with one backoff policy; a fatal error stops the consumer with its advice. Also the
 * dead-letter producer's size limits, the rejection breaker and the dead-letter replay.
 * <p>
 * May import {@code config}, {@code sink}, {@code metrics} and {@code startup}; never {@code consumer} or
 * {@code health}: the writers' reports (retrying, unanswered, timed out) reach the monitor through
 * {@link io.steadysink.failure.DatabaseRetry.Attempts}, wired by the root package.
 */
package io.steadysink.failure;
