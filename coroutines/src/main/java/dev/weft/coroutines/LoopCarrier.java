package dev.weft.coroutines;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.LoopTicks;
import dev.weft.coroutines.internal.LoopCarriers;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler of one loop's loop-affine coroutines: where the JDK runs a continuation (a start,
 * an unpark, a yield) of such a virtual thread.
 *
 * <pre>
 * Overview (maintainers)
 *
 * While the runtime is open: on the loop, through Loop.execute (one volatile read more than a bare
 * Loop.execute, the runtime's closed flag).
 *
 * After close() began: a continuation may only run on the loop's thread while that thread lives;
 * once it has ended (or is about to: a task queued on a stopping loop can be swept and run by
 * whichever thread submits next, or by the closer), it runs on ORPHANS, Weft's own platform threads
 * for coroutines that outlived their loop. Never inline on the thread that woke the coroutine (a
 * JDK timer thread, a worker, a user's thread, or a virtual thread, which cannot carry another).
 * Coroutine.carrierLoop() answers the same way: after close began it names the loop only when the
 * current carrier is the loop's thread, so Carriers.current() and Loop.isCarrierThread() never
 * claim loop-confinement for an orphan.
 *
 * Residual window (needs Loop's help): a continuation submitted while the runtime still reads open,
 * by a thread then stalled until close() has entirely finished, reaches Loop.execute after the
 * loop's termination and runs inline on its caller.
 * </pre>
 */
final class LoopCarrier implements Executor {
    private final Loop loop;
    private final WeftRuntime runtime;
    /**
     * The waiter of a tick whose coroutine is yielding right now (Coroutine.tick), or null: the next
     * continuation handed over on the loop thread is that coroutine's, and it waits for the tick
     * instead of being run. Loop-confined: written by the coroutine while the loop's thread carries
     * it, read and cleared by {@link #execute} on that thread (the JDK's afterYield, right after).
     */
    Coroutine.Resumer yielding;

    LoopCarrier(Loop loop) {
        this.loop = loop;
        this.runtime = loop.runtime();
    }

    @Override
    public void execute(Runnable continuation) {
        Coroutine.Resumer r = yielding;
        if (r != null && Thread.currentThread() == loop.thread()) {
            yielding = null;
            Op<?> tick = r.tick;
            r.tick = null;
            if (!runtime.isClosed()) {
                r.continuation = continuation; // the tick hands it back to execute() once it has run its task (LoopTicks)
                LoopTicks.offer(tick);
                return;
            }
            LoopTicks.abandon(tick); // closing: the coroutine resumes by the after-close rules below
        }
        if (!runtime.isClosed()) {
            loop.execute(continuation);
            return;
        }
        Thread t = loop.thread();
        if (t == null || loop.isTerminated() || !t.isAlive()) {
            Orphans.POOL.execute(continuation);
        } else {
            loop.execute(new OnLoopOrOrphaned(loop, continuation));
        }
    }

    /** Whether the current virtual thread is carried by {@code loop}'s thread right now (checked, not assumed). */
    static boolean carriedNowBy(Loop loop) {
        Thread carrier = LoopCarriers.currentCarrier();
        Thread t = loop.thread();
        return carrier != null ? carrier == t : t != null && t.isAlive();
    }

    /** Runs a continuation queued on a closing loop: there if the loop's thread runs it, else as an orphan. */
    private static final class OnLoopOrOrphaned implements Runnable {
        private final Loop loop;
        private final Runnable continuation;

        OnLoopOrOrphaned(Loop loop, Runnable continuation) {
            this.loop = loop;
            this.continuation = continuation;
        }

        @Override
        public void run() {
            if (loop.isLoopThread()) {
                continuation.run();
            } else {
                Orphans.POOL.execute(continuation);
            }
        }
    }

    /** Carriers for coroutines whose loop has ended: daemon platform threads, made on demand, gone when idle. */
    private static final class Orphans {
        static final Executor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "weft-orphaned-coroutine-carrier");
                    t.setDaemon(true);
                    return t;
                });
    }
}
