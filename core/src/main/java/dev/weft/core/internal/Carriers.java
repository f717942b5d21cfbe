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

    /** How Carriers reaches a loop's loop-confined {@code carrying} field; installed by {@link Loop} itself. */
    @FunctionalInterface
    public interface CarryingSlot {
        void set(Loop loop, Thread virtualThread);
    }

    private static final ThreadLocal<Binding> BOUND = new ThreadLocal<>();
    /** Written once, by Loop's class initialiser, which every caller of {@link #carrying} has passed. */
    private static CarryingSlot slot;

    private Carriers() {}

    /**
     * Called once by {@link Loop}'s class initialiser (the one class that may write its field).
     *
     * @throws IllegalStateException on a second call
     */
    public static synchronized void install(CarryingSlot s) {
        if (slot != null) {
            throw new IllegalStateException("Carriers.install: already installed (expected: only Loop calls it, once)");
        }
        slot = s;
    }

    /**
     * For a facade whose virtual threads a loop carries: tells {@code loop} which one it runs now
     * ({@code null}: none), so that the blocked-loop detector can show that virtual thread's own
     * stack. Call on the virtual thread itself while the loop carries it: right after it resumes
     * from a park the facade controls (and first thing in its body), and with {@code null} right
     * before such a park and at its end. Two opaque stores per suspension: no allocation, no fence
     * on x86. A stale value (the thread unmounted in a park the facade does not see) is harmless:
     * the detector checks with the JDK that the thread is really mounted on the loop.
     */
    public static void carrying(Loop loop, Thread virtualThread) {
        slot.set(loop, virtualThread);
    }

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
