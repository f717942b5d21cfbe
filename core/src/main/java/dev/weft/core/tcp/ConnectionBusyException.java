package dev.weft.core.tcp;

/**
 * Backpressure: a request or send was refused, before anything was written, because the
 * connection is at one of its bounds. Weft never queues requests without bound:
 * <ul>
 *   <li>{@link TcpOptions#maxPendingRequests()} requests already await their replies on this
 *       connection: wait for some replies, or raise the limit;</li>
 *   <li>the bytes written and not yet taken by the socket exceed
 *       {@link TcpOptions#writeBufferHighWaterMark()}: the peer does not read as fast as it is
 *       written to. Sending becomes possible again once they fall below
 *       {@link TcpOptions#writeBufferLowWaterMark()} (see {@link TcpConnection#isWritable()}).</li>
 * </ul>
 * The message names the limit that was hit. The request buffer was released.
 */
public final class ConnectionBusyException extends TcpException {
    private static final long serialVersionUID = 1L;
    private final String limitName;
    private final long limit;

    ConnectionBusyException(String message, String limitName, long limit) {
        super(message);
        this.limitName = limitName;
        this.limit = limit;
    }

    static ConnectionBusyException tooManyPending(Object remote, int limit) {
        return new ConnectionBusyException("connection to " + remote + " is busy: " + limit
                + " requests already await their replies (TcpOptions.maxPendingRequests = " + limit
                + "); wait for replies before sending more, or raise the limit", "maxPendingRequests", limit);
    }

    static ConnectionBusyException writeBufferFull(Object remote, long pendingBytes, int highWaterMark) {
        return new ConnectionBusyException("connection to " + remote + " is busy: " + pendingBytes
                + " bytes wait to be written, over the write buffer high water mark of " + highWaterMark
                + " bytes (TcpOptions.writeBufferHighWaterMark): the peer does not read as fast as we write",
                "writeBufferHighWaterMark", highWaterMark);
    }

    /** The name of the {@link TcpOptions} limit that was hit. */
    public String limitName() {
        return limitName;
    }

    /** Its value. */
    public long limit() {
        return limit;
    }
}
