package dev.weft.core.tcp;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.ResourceLeakDetector;

/**
 * Buffers for small frames: plain unpooled heap buffers, cheaper per frame than a pooled buffer or a
 * slice of one (no pool, no shared parent whose reference count every frame would retain and release,
 * no leak-detector sampling), and harmless when a holder forgets to release one (the collector takes
 * it; no pooled memory is lost). At Netty's debugging leak levels ({@code ADVANCED}, {@code PARANOID},
 * which Weft's tests run at) they are tracked like any allocator's buffers, so a buffer nobody
 * released is still reported there. An abstract subclass of Netty's allocator only to reach its
 * leak-tracking wrapper; never instantiated.
 */
abstract class SmallFrames extends AbstractByteBufAllocator {
    /** Frames of up to this many bytes are read into (and small frame buffers made as) heap buffers. */
    static final int MAX_BYTES = 1024;

    private SmallFrames() {}

    /**
     * A heap buffer of {@code capacity} bytes growing up to {@code maxCapacity}, reporting
     * {@code alloc} as its allocator (what a holder allocates more buffers from).
     */
    static ByteBuf heapBuffer(ByteBufAllocator alloc, int capacity, int maxCapacity) {
        ByteBuf b = new UnpooledHeapByteBuf(alloc, capacity, maxCapacity);
        return tracked() ? toLeakAwareBuffer(b) : b;
    }

    /** A heap copy of {@code length} bytes of {@code from} at {@code index}: a frame of its own. */
    static ByteBuf copyOf(ByteBufAllocator alloc, ByteBuf from, int index, int length) {
        ByteBuf b = new UnpooledHeapByteBuf(alloc, length, length);
        b.writeBytes(from, index, length);
        return tracked() ? toLeakAwareBuffer(b) : b;
    }

    private static boolean tracked() {
        return ResourceLeakDetector.getLevel().ordinal() >= ResourceLeakDetector.Level.ADVANCED.ordinal();
    }
}
