package dev.weft.core.tcp;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.ResourceLeakDetector;

/**
 * Buffers for small outbound frames, which are copied into the connection's coalescing buffer
 * anyway: plain unpooled heap buffers, much cheaper to make and release than a pooled direct buffer
 * (no pool, no chunk reference counts, no leak-detector sampling, which at Netty's default level
 * records a stack trace for one allocation in 128), and harmless when a holder forgets to release
 * one (the collector takes it; no pooled memory is lost). At Netty's debugging leak levels
 * ({@code ADVANCED}, {@code PARANOID}, which Weft's tests run at) they are tracked like any
 * allocator's buffers, so one nobody released is still reported there. An abstract subclass of
 * Netty's allocator only to reach its leak-tracking wrapper; never instantiated.
 */
abstract class SmallFrames extends AbstractByteBufAllocator {

    private SmallFrames() {}

    /**
     * A heap buffer of {@code capacity} bytes growing up to {@code maxCapacity}, reporting
     * {@code alloc} as its allocator (what a holder allocates more buffers from).
     */
    static ByteBuf heapBuffer(ByteBufAllocator alloc, int capacity, int maxCapacity) {
        ByteBuf b = new UnpooledHeapByteBuf(alloc, capacity, maxCapacity);
        return tracked() ? toLeakAwareBuffer(b) : b;
    }

    private static boolean tracked() {
        return ResourceLeakDetector.getLevel().ordinal() >= ResourceLeakDetector.Level.ADVANCED.ordinal();
    }
}
