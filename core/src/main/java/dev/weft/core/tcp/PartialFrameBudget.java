package dev.weft.core.tcp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory a server's connections may hold for incomplete inbound frames, shared by all of them
 * ({@link TcpOptions#maxPartialFrameBytes()}). A connection charges the capacity of the buffer its
 * frame reader keeps for an incomplete frame, between reads, and gives it back when the frame is
 * complete, when it stops reading (its peer is then not the one keeping the frame incomplete) and
 * when it closes. A charge that would take the total over the limit is refused: that connection is
 * closed. Thread-safe: connections of one server live on every loop.
 */
final class PartialFrameBudget {
    final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    PartialFrameBudget(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} more (> 0), or nothing and returns false if that would exceed the limit. */
    boolean tryCharge(long bytes) {
        if (used.addAndGet(bytes) > limit) {
            used.addAndGet(-bytes);
            refusals.incrementAndGet();
            return false;
        }
        return true;
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** Bytes charged now. */
    long used() {
        return used.get();
    }

    /** Charges refused so far, each of which closed a connection. */
    long refusals() {
        return refusals.get();
    }
}
