package dev.weft.core.tcp;

/**
 * The {@link System#nanoTime()} at which each request still awaiting its reply started, oldest
 * first: a FIFO of longs beside a connection's queue of pending requests (replies come in request
 * order, so the head is always the one a reply answers). Made only when the runtime has a meter
 * registry; a power-of-two ring that grows as needed and never shrinks. Loop-confined.
 */
final class StartTimes {
    private long[] ring = new long[16];
    private int head;
    private int size;

    void add(long nanos) {
        if (size == ring.length) {
            long[] bigger = new long[ring.length * 2];
            int firstPart = ring.length - head;
            System.arraycopy(ring, head, bigger, 0, firstPart);
            System.arraycopy(ring, 0, bigger, firstPart, head);
            ring = bigger;
            head = 0;
        }
        ring[(head + size++) & (ring.length - 1)] = nanos;
    }

    /** The oldest start; the caller knows there is one (it pairs with the pending queue). */
    long poll() {
        assert size > 0 : "no start time pending";
        long t = ring[head];
        head = (head + 1) & (ring.length - 1);
        size--;
        return t;
    }

    void clear() {
        head = 0;
        size = 0;
    }

    int size() {
        return size;
    }
}
