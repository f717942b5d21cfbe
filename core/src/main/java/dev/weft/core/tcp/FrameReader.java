package dev.weft.core.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;

/**
 * Cuts the inbound byte stream of one connection into frames: a 4-byte big-endian length, then that
 * many bytes. Not a pipeline handler: the connection feeds it what it reads and pulls frames when it
 * is ready for them, which is how a server stops taking requests at its in-flight limit while the
 * unread bytes wait here (bounded: the connection stops reading meanwhile).
 *
 * <p>Frames are retained slices of the bytes read (no copy); bytes are copied only when a frame
 * spans reads (Netty's merge cumulator). Loop-confined, like the connection that owns it.
 */
final class FrameReader {
    static final int HEADER_BYTES = 4;

    private final int maxFrameSize;
    /** Bytes read and not yet cut into frames; {@code null} when there are none. */
    private ByteBuf cumulation;

    FrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    /** Takes ownership of {@code in}. */
    void append(ByteBufAllocator alloc, ByteBuf in) {
        if (cumulation == null) {
            cumulation = in;
        } else {
            cumulation = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, cumulation, in);
        }
    }

    /**
     * The next complete frame, owned by the caller, or {@code null} when more bytes are needed.
     *
     * @throws FrameTooLargeException if the next length prefix exceeds the maximum frame size
     * @throws CorruptFrameException if the next length prefix is negative
     */
    ByteBuf next() {
        ByteBuf c = cumulation;
        if (c == null) {
            return null;
        }
        int readable = c.readableBytes();
        if (readable < HEADER_BYTES) {
            if (readable == 0) {
                release();
            }
            return null;
        }
        int start = c.readerIndex();
        int length = c.getInt(start);
        if (length < 0) {
            throw new CorruptFrameException("negative frame length " + length + " (0x" + Integer.toHexString(length)
                    + ") in a length prefix: the peer does not speak Weft's framing (4-byte big-endian length, then the bytes)");
        }
        if (length > maxFrameSize) {
            throw new FrameTooLargeException("inbound frame", length, maxFrameSize);
        }
        if (readable - HEADER_BYTES < length) {
            return null;
        }
        ByteBuf frame = c.retainedSlice(start + HEADER_BYTES, length);
        c.readerIndex(start + HEADER_BYTES + length);
        if (!c.isReadable()) {
            release(); // the next read starts a fresh buffer instead of being merged into this one
        }
        return frame;
    }

    /** Between reads: reclaim the consumed front of the buffer, unless frames cut from it are still alive. */
    void discardSomeReadBytes() {
        ByteBuf c = cumulation;
        if (c != null && c.refCnt() == 1) {
            c.discardSomeReadBytes();
        }
    }

    /** Whether bytes not yet cut into frames are buffered. */
    boolean holdsBytes() {
        ByteBuf c = cumulation;
        return c != null && c.isReadable();
    }

    /** Bytes buffered and not yet cut into frames. */
    int bufferedBytes() {
        ByteBuf c = cumulation;
        return c == null ? 0 : c.readableBytes();
    }

    /** The capacity of the buffer kept, 0 when none: the memory the reader holds. */
    int bufferCapacity() {
        ByteBuf c = cumulation;
        return c == null ? 0 : c.capacity();
    }

    /** When the input ended: what a partial frame left behind, as an error, or {@code null} if nothing was left. */
    CorruptFrameException truncation() {
        ByteBuf c = cumulation;
        if (c == null || !c.isReadable()) {
            return null;
        }
        int readable = c.readableBytes();
        if (readable < HEADER_BYTES) {
            return new CorruptFrameException("the peer closed the connection in the middle of a frame: "
                    + readable + " of the 4 bytes of a length prefix arrived");
        }
        return new CorruptFrameException("the peer closed the connection in the middle of a frame: "
                + (readable - HEADER_BYTES) + " of its " + c.getInt(c.readerIndex()) + " bytes arrived");
    }

    /** Drops whatever is buffered. */
    void release() {
        ByteBuf c = cumulation;
        if (c != null) {
            cumulation = null;
            c.release();
        }
    }
}
