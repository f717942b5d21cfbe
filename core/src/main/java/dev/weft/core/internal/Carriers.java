package dev.weft.core.internal;

import dev.weft.core.Loop;

/**
 * What runs on the current virtual thread, as far as Weft needs to know: one thread-local binding
 * per virtual thread started by a Weft facade. It tells {@link Loop#execute} that a caller is
 * physically on a loop's thread even though {@code Thread.currentThread()} is the virtual thread
 * (Netty's {@code inEventLoop()} says {@code false} there), and it lets the facade find its own
 * state (the coroutine) with the same single lookup. Not API.
 */
public final class Carriers {

    /** The state a facade binds to a virtual thread it starts. */
    public interface Binding {
        /** The loop whose thread carries this virtual thread, or {@code null} if none does. */
        Loop carrierLoop();
    }

    private static final ThreadLocal<Binding> BOUND = new ThreadLocal<>();

    private Carriers() {}

    /** Binds the current virtual thread. Call first thing in its body. */
    public static void bind(Binding binding) {
        if (!Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("only a virtual thread started by a Weft facade may be bound");
        }
        BOUND.set(binding);
    }

    /** The current thread's binding, or {@code null}. */
    public static Binding binding() {
        return BOUND.get();
    }

    /** The loop carrying the current virtual thread, or {@code null}. */
    public static Loop current() {
        Binding b = BOUND.get();
        return b == null ? null : b.carrierLoop();
    }
}
