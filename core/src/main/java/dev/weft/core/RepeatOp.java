package dev.weft.core;

import java.util.concurrent.ScheduledFuture;

/**
 * A repeating loop timer: runs its task on the loop at every tick until it is cancelled, its task
 * throws (the operation fails with that exception, no tick follows), or the runtime closes. It never
 * succeeds. One object is the start task and the tick; the loop timer ({@link Loop#armTimer}) is re-armed per tick (fixed
 * delay: from the end of the tick; fixed rate: from the previous deadline).
 */
final class RepeatOp extends Op<Void> implements Runnable {
    private final long initialNanos;
    private final long periodNanos;
    private final Repeat repeat;
    /** Loop-confined. */
    private final Runnable task;
    private boolean started;
    /** The next deadline of a fixed-rate timer (on the loop's timer clock, Loop.timerNanoTime); loop-confined. */
    private long nextDeadline;
    /** Written on the loop; read by a cancelling thread (the timer's cancel is thread-safe). */
    private volatile ScheduledFuture<?> timer;

    RepeatOp(Loop loop, long initialNanos, long periodNanos, Repeat repeat, Runnable task, OpListener<? super Void> listener) {
        super(loop, listener, false, true);
        this.initialNanos = initialNanos;
        this.periodNanos = periodNanos;
        this.repeat = repeat;
        this.task = task;
    }

    @Override
    public void run() {
        if (!started) {
            started = true;
            loop.register(this);
            nextDeadline = loop.timerNanoTime() + initialNanos;
            arm(initialNanos);
            return;
        }
        if (isDone()) {
            return;
        }
        Object token = enterOnLoop();
        try {
            task.run();
        } catch (Throwable e) {
            fail(e);
            return;
        } finally {
            exitOnLoop(token);
        }
        if (isDone()) {
            return; // the task cancelled its own timer
        }
        if (repeat == Repeat.FIXED_RATE) {
            nextDeadline += periodNanos;
            arm(Math.max(0, nextDeadline - loop.timerNanoTime()));
        } else {
            arm(periodNanos);
        }
    }

    private void arm(long delayNanos) {
        if (isDone()) {
            return;
        }
        ScheduledFuture<?> f;
        try {
            f = loop.armTimer(delayNanos, this);
        } catch (RuntimeClosedException closed) { // the loop has ended: nothing will fire
            fail(closed);
            return;
        }
        timer = f;
        if (isDone()) { // cancelled while arming
            f.cancel(false);
        }
    }

    @Override
    protected void onCancel() {
        ScheduledFuture<?> f = timer;
        if (f != null) {
            f.cancel(false);
        }
    }
}
