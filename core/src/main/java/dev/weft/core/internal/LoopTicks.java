package dev.weft.core.internal;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import java.util.concurrent.Callable;

/**
 * A tick whose one waiter is a virtual thread carried by the tick's own loop (a loop-affine
 * coroutine), resumed by the tick itself instead of a listener's unpark. Not API.
 *
 * <pre>
 * Overview (maintainers)
 *
 * A loop-carried coroutine's {@code tick(task)} used to be a TaskOp in the loop's tick queue whose
 * listener unparks the coroutine: the JDK's park (permit, state), the op's delivery, the unpark
 * (permit swap, state CAS) and its submission of the continuation. Here the facade prepares the
 * operation ({@link #prepare}: Loop.tick's checks and its context capture), then gives up the loop
 * with Thread.yield(); the JDK hands the yielded continuation to the coroutine's scheduler, on the
 * loop thread, and the scheduler gives it to the waiter and queues the operation ({@link #offer}).
 * On the loop's next iteration the operation runs its task exactly as a TaskOp does (on the loop
 * thread, under the captured context; never if it was cancelled first, or if its waiter's thread
 * was interrupted, whose wake-up would have cancelled it), completes (counted as every operation;
 * it has no listener) and calls {@link Waiter#resume()}, which queues the continuation on the loop
 * as the unpark would have: two run-queue entries per step, as before, without the park/unpark
 * bookkeeping and the listener's delivery.
 *
 * What differs for an observer: while it waits, the coroutine's thread is RUNNABLE (yielded), not
 * WAITING (parked), in a thread dump and to the virtual clock's settling probe; a cancel, interrupt
 * or withTimeout expiry that lands while it waits resumes it at the tick's turn (the loop's next
 * iteration) rather than in the current pass over the run queue, with the same outcome.
 * </pre>
 */
public final class LoopTicks {

    /** The one thread waiting for a resuming tick. */
    public interface Waiter {
        /**
         * Whether the waiting thread was interrupted (a cancel that missed the operation, or a user's
         * interrupt): the task then never runs and the operation is cancelled, as the waiter, woken
         * by the interrupt, would have cancelled it. On the loop thread, right before the task.
         */
        boolean interrupted();

        /**
         * The operation has completed (ran, failed, was cancelled or aborted): resume the waiter. On
         * the loop thread, or, once the loop has ended, on the thread that runs what is left. Must not
         * run the waiter inline (it would run outside the run queue's order and time budget).
         */
        void resume();
    }

    /** How this class reaches core's package-private parts; installed by {@link Loop} itself. */
    public interface Access {
        <T> Op<T> prepare(Loop loop, Callable<? extends T> task, Waiter waiter);

        void offer(Op<?> tick);

        void abandon(Op<?> tick);
    }

    /** Written once, by Loop's class initialiser, which every caller (holding a Loop) has passed. */
    private static Access access;

    private LoopTicks() {}

    /**
     * Called once by {@link Loop}'s class initialiser.
     *
     * @throws IllegalStateException on a second call
     */
    public static synchronized void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("LoopTicks.install: already installed (expected: only Loop calls it, once)");
        }
        access = a;
    }

    /**
     * A tick of {@code task} on {@code loop} for {@code waiter}, not yet queued; with Loop.tick's
     * checks ({@link dev.weft.core.RuntimeClosedException} if the runtime is closed) and its capture
     * of the calling thread's context. Call on the waiting thread.
     */
    public static <T> Op<T> prepare(Loop loop, Callable<? extends T> task, Waiter waiter) {
        return access.prepare(loop, task, waiter);
    }

    /**
     * Queues a prepared tick for its loop's next iteration. Only on the loop's thread, or on a
     * virtual thread it carries.
     */
    public static void offer(Op<?> tick) {
        access.offer(tick);
    }

    /** A prepared tick that will never be queued (its loop is closing): it ends with "runtime closed". */
    public static void abandon(Op<?> tick) {
        access.abandon(tick);
    }
}
