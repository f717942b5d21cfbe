package dev.weft.core.internal;

import dev.weft.core.Loop;

/**
 * How Weft's TCP connections reach a loop's run queue: at the end of a socket read they run the tasks
 * that read queued (the continuations of the coroutines its replies resumed) before they flush, so
 * that what those tasks write leaves with the read's flush (see {@code FramedConnection}). Forwards
 * to the loop's own run queue. Not API.
 */
public final class LoopQueues {

    /** How this class reaches the loop's package-private run queue; installed by {@link Loop} itself. */
    public interface Access {
        boolean idle(Loop loop);

        void runNow(Loop loop);
    }

    /** Written once, by Loop's class initialiser, which every caller (holding a Loop) has passed. */
    private static Access access;

    private LoopQueues() {}

    /**
     * Called once by {@link Loop}'s class initialiser.
     *
     * @throws IllegalStateException on a second call
     */
    public static synchronized void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("LoopQueues.install: already installed (expected: only Loop calls it, once)");
        }
        access = a;
    }

    /**
     * On {@code loop}'s thread: whether its run queue is idle (no task queued by the loop itself, no
     * drain running, none cut short and due after the I/O poll), so that whatever is queued from now
     * on, until the caller looks again, was queued by what the caller ran meanwhile.
     */
    public static boolean idle(Loop loop) {
        return access.idle(loop);
    }

    /**
     * On {@code loop}'s thread, outside a drain: runs the queued tasks now, in order, as the loop's
     * drain task would (within its time budget; a drain cut short carries on after the next I/O poll).
     * Does nothing inside a drain or once the loop has ended.
     */
    public static void runNow(Loop loop) {
        access.runNow(loop);
    }
}
