package dev.weft.core.tcp;

/**
 * A frame is larger than {@link TcpOptions#maxFrameSize()}. Outbound (a request, send or reply
 * too large to write), the operation fails with this before anything is written. Inbound (the
 * peer announced a frame too large to accept), the connection is closed and this is the cause of
 * the {@link ConnectionClosedException} its pending requests fail with.
 */
public final class FrameTooLargeException extends TcpException {
    private static final long serialVersionUID = 1L;
    private final long size;
    private final int limit;

    FrameTooLargeException(String what, long size, int limit) {
        super(what + " of " + size + " bytes exceeds the maximum frame size of " + limit
                + " bytes (TcpOptions.maxFrameSize)");
        this.size = size;
        this.limit = limit;
    }

    /** The size of the frame, in bytes (without its 4-byte length prefix). */
    public long size() {
        return size;
    }

    /** The maximum frame size in force, in bytes. */
    public int limit() {
        return limit;
    }
}
