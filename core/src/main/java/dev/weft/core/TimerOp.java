package dev.weft.core;

import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;

/**
 * A loop timer. One object is both the start task (run once on the loop: register, arm the loop
 * timer through {@link Loop#armTimer}) and the fire task (run when it fires: run the optional task, complete).
 */
final class TimerOp<T> extends Op<T> implements Runnable {
    private final long delayNanos;
    /** Loop-confined. */
    private Callable<? extends T> task;
    private boolean armed;
    /** Written on the loop when armed; read by a cancelling thread (the timer's cancel is thread-safe). */
    private volatile ScheduledFuture<?> timer;

    TimerOp(Loop loop, long delayNanos, Callable<? extends T> task, OpListener<? super T> listener) {
        super(loop, listener, false, task != null);
        this.delayNanos = delayNanos;
        this.task = task;
    }

    @Override
    public void run() {
        if (!armed) {
            armed = true;
            loop.register(this);
            if (!isDone()) {
                try {
                    timer = loop.armTimer(delayNanos, this);
                } catch (RuntimeClosedException closed) { // the loop has ended: nothing will fire
                    fail(closed);
                    return;
                }
                if (isDone()) { // cancelled while arming
                    timer.cancel(false);
                }
            }
            return;
        }
        Callable<? extends T> t = task;
        task = null;
        if (isDone()) {
            return;
        }
        if (t == null) {
            complete(null);
            return;
        }
        callOnLoop(t);
    }

    @Override
    protected void onCancel() {
        ScheduledFuture<?> f = timer;
        if (f != null) {
            f.cancel(false);
        }
    }
}
