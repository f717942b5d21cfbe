package dev.weft.core.tcp;

import java.net.InetSocketAddress;

/**
 * A connection could not be opened: refused, unreachable, or not accepted within
 * {@link TcpOptions#connectTimeout()} (then it is the subclass {@link TcpConnectTimeoutException}).
 * The cause, when there is one, is the transport's own exception.
 */
public class TcpConnectException extends TcpException {
    private static final long serialVersionUID = 1L;
    private final transient InetSocketAddress remote;

    public TcpConnectException(InetSocketAddress remote, Throwable cause) {
        this("connect to " + remote + " failed: " + (cause == null ? "unknown cause" : cause.getMessage()), remote, cause);
    }

    TcpConnectException(String message, InetSocketAddress remote, Throwable cause) {
        super(message, cause);
        this.remote = remote;
    }

    /** The address that could not be reached. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }
}
