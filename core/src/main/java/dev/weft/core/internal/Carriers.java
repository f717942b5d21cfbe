package dev.weft.core.internal;

import dev.weft.core.Loop;

/**
 * Which loop, if any, carries the current virtual thread. The loop-affine coroutine scheduler binds
 * each virtual thread it starts to its loop, so that {@link Loop#execute} can tell that a caller is
 * physically on the loop's thread even though {@code Thread.currentThread()} is the virtual thread
 * (Netty's {@code inEventLoop()} says {@code false} there). Not API.
 */
public final class Carriers {
    private static final ThreadLocal<Loop> CARRIED_BY = new ThreadLocal<>();

    private Carriers() {}

    /** Binds the current virtual thread to the loop whose thread carries it. Call first thing in its body. */
    public static void bind(Loop loop) {
        if (!Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("only a virtual thread carried by a loop may be bound to it");
        }
        CARRIED_BY.set(loop);
    }

    /** The loop carrying the current virtual thread, or {@code null}. */
    public static Loop current() {
        return CARRIED_BY.get();
    }
}
