package dev.weft.core.tcp;

/**
 * The connection closed before the operation could finish: a request whose reply had not arrived
 * yet, or a request, send or close started on a connection that was already closed. The message
 * says what closed it (the peer, {@code close()}, a reset, an oversized or corrupt frame, a failed
 * handler); {@link #getCause()} is the underlying failure when there is one, for example a
 * {@link FrameTooLargeException}, a {@link CorruptFrameException} or the transport's
 * {@link java.io.IOException}.
 *
 * <p>Every request pending on a connection when it closes fails exactly once with this exception
 * (or with {@link dev.weft.core.RuntimeClosedException} when the runtime was closed).
 */
public final class ConnectionClosedException extends TcpException {
    private static final long serialVersionUID = 1L;

    public ConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
