package dev.weft.core;

import java.util.concurrent.Callable;

/** Runs a task on its loop on a later turn. Lives in the run queue, so it is never registered. */
final class TaskOp<T> extends Op<T> implements Runnable {
    /** Written at construction, cleared on the loop after it ran (GC hygiene). */
    private Callable<? extends T> task;

    TaskOp(Loop loop, Callable<? extends T> task, OpListener<? super T> listener) {
        super(loop, listener, false, true);
        this.task = task;
    }

    @Override
    public void run() {
        Callable<? extends T> t = task;
        task = null;
        if (isDone()) {
            return; // cancelled before it started: it never runs
        }
        if (loop.runtime().isClosed()) {
            abort(loop.runtime().closedException());
            return;
        }
        callOnLoop(t);
    }
}
