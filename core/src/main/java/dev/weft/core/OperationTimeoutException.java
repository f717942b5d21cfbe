package dev.weft.core;

import java.time.Duration;

/**
 * An operation did not complete within the time given to a {@code timeout} combinator. The
 * operation underneath has been cancelled when this is delivered.
 */
public final class OperationTimeoutException extends WeftException {
    private static final long serialVersionUID = 1L;
    private final transient Duration timeout;

    public OperationTimeoutException(Duration timeout) {
        super("operation timed out after " + timeout.toMillis() + " ms (" + timeout + "); it was cancelled");
        this.timeout = timeout;
    }

    /** The time limit that was exceeded. */
    public Duration timeout() {
        return timeout;
    }
}
