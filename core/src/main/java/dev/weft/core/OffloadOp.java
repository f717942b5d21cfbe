package dev.weft.core;

import dev.weft.core.internal.Contexts;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;

/**
 * Blocking work on the worker pool, completed back on the loop. Cancellation interrupts the worker
 * only while it runs this task (the runner state machine below keeps a late interrupt from hitting
 * the worker's next task, as FutureTask does).
 */
final class OffloadOp<T> extends Op<T> implements Runnable {
    private static final int NEW = 0, RUNNING = 1, INTERRUPTING = 2, FINISHED = 3;

    private final Callable<? extends T> task;
    private volatile int state;
    private volatile Thread runner;

    OffloadOp(Loop loop, Callable<? extends T> task, OpListener<? super T> listener) {
        super(loop, listener, false, true);
        this.task = task;
    }

    @Override
    public void run() {
        loop.runtime().offloadStarted();
        if (isDone() || !STATE.compareAndSet(this, NEW, RUNNING)) {
            return; // cancelled (or failed by close) before a worker picked it up
        }
        runner = Thread.currentThread();
        try {
            if (isDone()) {
                return;
            }
            // A worker thread is clean between tasks (see Contexts.clearThread): no need to clear others.
            Object token = context == null ? null : Contexts.enter(context, false);
            try {
                callAndSettle(task);
            } finally {
                if (token != null) {
                    Contexts.exit(token);
                }
            }
        } finally {
            runner = null;
            if (!STATE.compareAndSet(this, RUNNING, FINISHED)) {
                while (state == INTERRUPTING) {
                    Thread.onSpinWait(); // the canceller is between its CAS and interrupt()
                }
            }
            Thread.interrupted(); // never leak our interrupt into the worker's next task
        }
    }

    /** The pool refused the task: fail without re-entering the caller's stack. */
    void rejected(Throwable why) {
        if (STATE.compareAndSet(this, NEW, FINISHED)) {
            loop.execute(() -> abort(why));
        }
    }

    @Override
    protected void onCancel() {
        if (STATE.compareAndSet(this, RUNNING, INTERRUPTING)) {
            try {
                Thread t = runner;
                if (t != null) {
                    t.interrupt();
                }
            } finally {
                state = FINISHED;
            }
        }
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(OffloadOp.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
