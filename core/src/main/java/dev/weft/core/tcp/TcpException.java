package dev.weft.core.tcp;

import dev.weft.core.WeftException;

/**
 * Base of every failure a TCP operation of Weft ends with (besides cancellation,
 * {@link dev.weft.core.OperationTimeoutException} and {@link dev.weft.core.RuntimeClosedException},
 * which mean the same for TCP as for every other operation). Catch this to handle "the network
 * said no" in one place; catch a subclass to tell the cases apart.
 */
public abstract class TcpException extends WeftException {
    private static final long serialVersionUID = 1L;

    protected TcpException(String message) {
        super(message);
    }

    protected TcpException(String message, Throwable cause) {
        super(message, cause);
    }
}
