package dev.weft.core.tcp;

import java.time.Duration;

/**
 * An inbound frame did not arrive whole within {@link TcpOptions#frameTimeout()} of its first byte
 * (a peer that stalls in the middle of a frame, or trickles it). The connection is closed; on a
 * client this is the cause of the {@link ConnectionClosedException} its pending requests fail with.
 */
public final class FrameTimeoutException extends TcpException {
    private static final long serialVersionUID = 1L;

    FrameTimeoutException(long receivedBytes, Duration timeout) {
        super("an inbound frame was still incomplete " + timeout.toMillis() + " ms after its first byte ("
                + receivedBytes + " bytes of it and of its length prefix arrived; TcpOptions.frameTimeout = " + timeout + ")");
    }
}
