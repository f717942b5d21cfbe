package dev.weft.core;

import dev.weft.core.internal.LoopTicks;
import java.util.concurrent.Callable;

/**
 * A tick that resumes its one waiter itself (see {@link LoopTicks}): runs its task on its loop as a
 * {@link TaskOp} does, then tells the waiter, which queues its continuation. Lives in the run queue,
 * so it is never registered; it has no listener.
 */
final class ResumingTickOp<T> extends Op<T> implements Runnable {
    /** Written at construction, cleared when it runs (GC hygiene). */
    private Callable<? extends T> task;
    private final LoopTicks.Waiter waiter;

    ResumingTickOp(Loop loop, Callable<? extends T> task, LoopTicks.Waiter waiter) {
        super(loop, null, false, true);
        this.task = task;
        this.waiter = waiter;
    }

    @Override
    public void run() {
        Callable<? extends T> t = task;
        task = null;
        try {
            if (isDone()) {
                return; // cancelled before it started: it never runs
            }
            if (loop.runtime().isClosed() || loop.isTerminated()) {
                abort(loop.runtime().closedException());
                return;
            }
            if (waiter.interrupted()) {
                cancel(); // as the waiter, woken by its interrupt, would have cancelled it
                return;
            }
            callOnLoop(t);
        } finally {
            waiter.resume();
        }
    }
}
