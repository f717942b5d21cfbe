package dev.weft.coroutines;

import dev.weft.core.Op;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Disposal;
import dev.weft.core.internal.LoopTimers;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.LockSupport;

/**
 * The deadline of one {@link Coroutines#withTimeout} call made in a coroutine: the body runs in the
 * calling coroutine, and this object is the loop timer's task. When it fires (on the coroutine's
 * loop) it cancels the operation the coroutine is suspended on and wakes it, or, when the body is blocked outside
 * Weft (a JDK sleep, queue or socket), interrupts its thread as a cancellation would. From then on
 * every suspending call of the body throws {@link OperationTimeoutException} (the one it is in, and
 * any later one, before it starts anything), and so does {@code withTimeout} when the body ends.
 *
 * <p>Deadlines nest: the coroutine holds the innermost, each holds the one around it; a suspending
 * call under several expired ones throws for the outermost, so that each {@code withTimeout} lets
 * an outer one's timeout through and the outer one reports it.
 *
 * <p>Threads: {@link #timer}, {@link #outer} and the coroutine's deadline field are the coroutine's
 * own thread's; {@link #state} is also moved by the timer on the loop thread.
 */
final class CoroutineDeadline implements Runnable {
    private static final int ACTIVE = 0;
    /** The timer fired and is deciding between cancelling and interrupting (a few instructions). */
    private static final int EXPIRING = 1;
    private static final int EXPIRED = 2;
    /** Expired, and the coroutine's thread was interrupted: its own thread clears that once. */
    private static final int INTERRUPTED = 3;
    private static final int CONSUMED = 4;
    /** The body ended first. */
    private static final int CLOSED = 5;

    private final Coroutine<?> coroutine;
    private final Duration timeout;
    final CoroutineDeadline outer;
    private ScheduledFuture<?> timer;
    private volatile int state;

    private CoroutineDeadline(Coroutine<?> coroutine, Duration timeout, CoroutineDeadline outer) {
        this.coroutine = coroutine;
        this.timeout = timeout;
        this.outer = outer;
    }

    /** Runs {@code body} in coroutine {@code c} (the caller's own) under a deadline of {@code timeout}. */
    static <T> T run(Coroutine<?> c, Duration timeout, Callable<? extends T> body) {
        if (timeout.isZero()) {
            throw new OperationTimeoutException(timeout); // nothing completes within no time: the body never runs
        }
        CoroutineDeadline d = new CoroutineDeadline(c, timeout, c.deadline);
        d.timer = LoopTimers.arm(c.loop(), Checks.saturatedNanos(timeout), d); // the runtime's clock (virtual in tests)
        c.deadline = d;
        T value;
        try {
            value = body.call();
        } catch (Throwable e) {
            boolean expired = d.close();
            if (expired && e instanceof CancellationException && !c.isCancelled()) {
                throw outermostExpired(d).timedOut(); // an operation the deadline cancelled, seen by the body
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new CompletionException(e);
        }
        if (d.close() && !c.isCancelled()) {
            Disposal.dispose(value); // the body caught the timeout and returned: nobody receives the value
            throw outermostExpired(d).timedOut();
        }
        return value;
    }

    /** The timer fired, on the loop. */
    @Override
    public void run() {
        if (!STATE.compareAndSet(this, ACTIVE, EXPIRING)) {
            return; // the body ended first
        }
        Op<?> s = coroutine.suspendedOn();
        if (s != null) {
            state = EXPIRED;
            s.cancel(); // wakes the body through its listener
            // An op that got its result already may not have told the body yet (its loop busy): wake the
            // body now, which throws the timeout promptly (a spurious unpark later is harmless).
            LockSupport.unpark(coroutine.thread);
            return;
        }
        Thread t = coroutine.thread;
        if (t != null && t != Thread.currentThread()) { // blocked outside Weft (or between calls): as a cancel does
            t.interrupt();
            state = INTERRUPTED;
        } else {
            state = EXPIRED;
        }
    }

    /**
     * On the coroutine's thread, when the body has ended: stops the timer, restores the outer deadline
     * and says whether this one expired (its interrupt, if any, cleared).
     */
    private boolean close() {
        timer.cancel(false);
        coroutine.deadline = outer;
        if (STATE.compareAndSet(this, ACTIVE, CLOSED)) {
            return false;
        }
        consumeInterrupt();
        return true;
    }

    private boolean expired() {
        int s = state;
        return s != ACTIVE && s != CLOSED;
    }

    /** The outermost expired deadline from {@code d} outwards, or {@code null}. Coroutine's thread. */
    static CoroutineDeadline outermostExpired(CoroutineDeadline d) {
        CoroutineDeadline found = null;
        for (; d != null; d = d.outer) {
            if (d.expired()) {
                found = d;
            }
        }
        return found;
    }

    /** The exception a suspending call throws under this expired deadline (its interrupt cleared). */
    OperationTimeoutException timedOut() {
        consumeInterrupt();
        return new OperationTimeoutException(timeout);
    }

    /** Clears the interrupt {@link #run()} sent, once, waiting for one being sent right now. */
    private void consumeInterrupt() {
        int s;
        while ((s = state) == EXPIRING) {
            Thread.onSpinWait();
        }
        if (s == INTERRUPTED && STATE.compareAndSet(this, INTERRUPTED, CONSUMED)) {
            Thread.interrupted();
        }
    }

    // VarHandle mechanics
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(CoroutineDeadline.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
