package dev.weft.core.tcp;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The peer did not accept the connection within {@link TcpOptions#connectTimeout()}; the attempt
 * was abandoned and its socket closed. (A deadline put on the connect operation with a timeout
 * combinator fails it with {@link dev.weft.core.OperationTimeoutException} instead, like any
 * other operation.)
 */
public final class TcpConnectTimeoutException extends TcpConnectException {
    private static final long serialVersionUID = 1L;
    private final transient Duration timeout;

    public TcpConnectTimeoutException(InetSocketAddress remote, Duration timeout, Throwable cause) {
        super("connect to " + remote + " timed out after " + timeout.toMillis()
                + " ms (TcpOptions.connectTimeout); the peer did not accept the connection", remote, cause);
        this.timeout = timeout;
    }

    /** The connect timeout that expired. */
    public Duration timeout() {
        return timeout;
    }
}
