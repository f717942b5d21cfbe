package dev.weft.core.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.WrappedByteBuf;

/**
 * A buffer made by {@link FramedConnection#frameBuffer}: its first {@link FrameReader#HEADER_BYTES}
 * bytes are reserved for the length prefix, and being of this type is what proves it (a duplicate or
 * slice of it is a plain buffer again). {@code writeFrame} writes a prefix in front of a payload only
 * into such a buffer, and only into those reserved bytes: the bytes before any other buffer's reader
 * index may belong to someone else (a slice or duplicate of a shared buffer), so they are never touched.
 */
final class HeadroomBuf extends WrappedByteBuf {

    HeadroomBuf(ByteBuf buf) {
        super(buf);
    }
}
