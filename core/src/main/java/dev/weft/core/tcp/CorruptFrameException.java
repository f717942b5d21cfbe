package dev.weft.core.tcp;

/**
 * The bytes on a connection are not valid frames: a negative length prefix, a peer that closed
 * the connection in the middle of a frame, or a reply that arrived when no request was waiting.
 * The connection is closed; this is the cause of the {@link ConnectionClosedException} its
 * pending requests fail with. Weft's wire format is a 4-byte big-endian length, then that many
 * bytes; garbage is recognised only through its length prefix (usually as a
 * {@link FrameTooLargeException}).
 */
public final class CorruptFrameException extends TcpException {
    private static final long serialVersionUID = 1L;

    CorruptFrameException(String message) {
        super(message);
    }
}
