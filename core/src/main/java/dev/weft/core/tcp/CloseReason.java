package dev.weft.core.tcp;

/**
 * Why a connection closed, as the small fixed set of values of the {@code reason} tag of
 * {@code weft.tcp.connections.closed}. The human phrase (see {@link FramedConnection#describeClose()})
 * says more; this is what a dashboard groups by.
 */
enum CloseReason {
    /** The peer closed its side cleanly (between frames). */
    PEER("peer"),
    /** The socket failed: reset by the peer, broken pipe, any other I/O error. */
    LOST("lost"),
    /** The input broke the framing: a negative length prefix, a reply nobody asked for, end of stream inside a frame. */
    CORRUPT_FRAME("corrupt-frame"),
    /** A length prefix over {@link TcpOptions#maxFrameSize()}. */
    FRAME_TOO_LARGE("frame-too-large"),
    /** A frame did not arrive within {@link TcpOptions#frameTimeout()}. */
    FRAME_TIMEOUT("frame-timeout"),
    /** An incomplete frame would have taken the server over {@link TcpOptions#maxPartialFrameBytes()}. */
    PARTIAL_FRAME_BUDGET("partial-frame-budget"),
    /** A request handler failed (threw, failed its exchange, replied null or too large). */
    HANDLER_FAILED("handler-failed"),
    /** Closed on purpose: {@code close()} of the connection or of its server, or a cancelled connect. */
    CLOSE("close"),
    /** Closed because the runtime closed. */
    RUNTIME_CLOSED("runtime-closed"),
    /** An unexpected error in the pipeline (a bug: logged at WARN). */
    ERROR("error");

    static final CloseReason[] ALL = values();

    /** The tag value. */
    final String tag;

    CloseReason(String tag) {
        this.tag = tag;
    }

    /** The reason for a frame the reader refused. */
    static CloseReason of(TcpException badFrame) {
        return badFrame instanceof FrameTooLargeException ? FRAME_TOO_LARGE : CORRUPT_FRAME;
    }
}
