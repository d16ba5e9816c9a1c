package io.steadysink.format;

/**
 * The schema registry could not be asked or did not answer in time, or answered with a server error
 * or throttling (5xx, 429): transient, the batch is retried in place. Its message names the registry
 * and what happened, never credentials.
 */
public final class RegistryUnavailable extends RuntimeException {

    public RegistryUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
