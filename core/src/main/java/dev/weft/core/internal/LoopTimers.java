package dev.weft.core.internal;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;

/**
 * The one way Weft code outside {@code dev.weft.core} arms a loop timer that counts as operation
 * time (a timeout, a frame timer, a facade's deadline) and reads the clock those timers run on. It
 * forwards to the loop's own entry point ({@code Loop.armTimer}), which uses Netty's scheduler, or
 * the runtime's {@link dev.weft.core.VirtualTime} when the runtime was built with one. Not API.
 *
 * <p>Timers that measure the machine rather than the program (the blocked-loop detector, the
 * loop-lag probe, Netty's connect timeout, a TCP socket's close grace) stay on real time and do not
 * come here.
 */
public final class LoopTimers {

    /** How this class reaches the loop's package-private timer entry point; installed by {@link Loop} itself. */
    public interface Access {
        ScheduledFuture<?> arm(Loop loop, long delayNanos, Runnable task);

        long nanoTime(Loop loop);

        boolean onVirtualTime(WeftRuntime runtime);

        void addSettleProbe(WeftRuntime runtime, BooleanSupplier busy);
    }

    /** Written once, by Loop's class initialiser, which every caller (holding a Loop or a runtime) has passed. */
    private static Access access;

    private LoopTimers() {}

    /**
     * Called once by {@link Loop}'s class initialiser.
     *
     * @throws IllegalStateException on a second call
     */
    public static synchronized void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("LoopTimers.install: already installed (expected: only Loop calls it, once)");
        }
        access = a;
    }

    /**
     * Runs {@code task} on {@code loop}'s thread after {@code delayNanos} of the runtime's clock (real
     * or virtual). The returned handle's {@code cancel(false)} stops a timer that has not fired; it may
     * be called from any thread. Safe from any thread. Without a virtual clock this is Netty's
     * {@code EventLoop.schedule}, with no extra allocation.
     */
    public static ScheduledFuture<?> arm(Loop loop, long delayNanos, Runnable task) {
        return access.arm(loop, delayNanos, task);
    }

    /** The clock {@link #arm} counts on, in nanoseconds: {@link System#nanoTime()} or the virtual clock's. */
    public static long nanoTime(Loop loop) {
        return access.nanoTime(loop);
    }

    /** Whether {@code runtime} runs its timers on a virtual clock. */
    public static boolean onVirtualTime(WeftRuntime runtime) {
        return access.onVirtualTime(runtime);
    }

    /**
     * For a facade that runs work off the loops (the default scheduler's coroutines): adds a check
     * that the virtual clock asks before it calls the runtime settled, answering {@code true} while
     * such work may still be running. A no-op on a runtime without a virtual clock.
     */
    public static void addSettleProbe(WeftRuntime runtime, BooleanSupplier busy) {
        access.addSettleProbe(runtime, busy);
    }
}
