package dev.weft.core;

import dev.weft.core.internal.Contexts;
import dev.weft.core.internal.Disposal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * An operation in flight: Weft's one completion primitive. It ends exactly once, with a value, a
 * failure, or a cancellation, and tells exactly one {@link OpListener} about it on its
 * {@linkplain #loop() loop} thread. Every operation of every style is written against this class;
 * the facades only adapt it to their idiom.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>The first of {@link #complete}, {@link #fail} and {@link #cancel} wins; later ones return
 *       {@code false}, change nothing and are counted as late completions on the loop. A value that
 *       arrives too late is disposed of: a reference-counted one released; a connection or server
 *       closed when the operation made it or owns it (a connect, a combinator's loser).</li>
 *   <li>The listener runs exactly once, on the loop thread, whether it was attached before or after
 *       completion and whichever thread completed the operation. (Once the loop has ended, on the
 *       thread that caused the delivery, one at a time: see the package documentation.)</li>
 *   <li>{@link #cancel()}, {@link #isDone()} and the result accessors may be called from any thread.</li>
 *   <li>The context of the thread that creates the operation ({@link WeftContext}, SLF4J's MDC, every
 *       accessor registered with Micrometer's {@code ContextRegistry}) is current while the listener
 *       runs, and while the operation's own task runs (submit, tick, schedule, offload, a repeating
 *       timer's tick); the loop thread's previous state is restored afterwards.</li>
 * </ul>
 *
 * @param <T> the value type
 */
public abstract class Op<T> implements Cancellable {

    /*
     * Overview (maintainers)
     *
     * Result encoding: one volatile field. null = pending; NIL = completed with a null value;
     * a Failure = failed (cancellation is a Failure holding a CancellationException); anything else
     * is the value itself. The winning CAS from null decides the outcome; nothing else is ever
     * written to `result` after that.
     *
     * Listener: one volatile field, null -> listener -> DELIVERED. Both the completer (after its
     * result CAS) and a late attacher (after its listener CAS) try to move listener -> DELIVERED;
     * the Dekker-style pair of volatile writes/reads guarantees at least one of them sees both the
     * result and the listener, and the CAS guarantees at most one delivers. A facade that knows its
     * listener up front passes it to the constructor (`preset`): nobody can attach another, so the
     * result CAS alone decides who delivers, and the hot path costs one uncontended CAS and no
     * allocation.
     *
     * Delivery thread: on the loop thread the listener runs inline. A completion from another
     * thread (worker pool, user thread, another loop) is handed to the loop with one task, which
     * also unlinks the op from the loop's pending registry. The registry (prevPending/nextPending,
     * loop-confined) holds only ops whose completion comes from outside the loop's own queues
     * (timers, offloads, promises, combinators, coroutines); close() fails everything in it.
     * Task ops sitting in a run queue are not registered: close() drains the queues instead.
     *
     * Cancellation travels down a tree: onCancel() of a combinator cancels its children, so a
     * future scope is just another parent op.
     *
     * Context: the constructor captures the starting thread's context (Contexts.capture: null when
     * nothing is set, which costs a thread-local read per registered accessor and no allocation; none
     * at all for an op that runs no task and whose listener is Contexts.ContextFree, a coroutine's
     * resumer: nothing could see that context);
     * the listener, and the task of a task/timer/offload op, run with it current (enterOnLoop /
     * exitOnLoop), and the previous state is restored after each. Loop.contextDepth (loop-confined)
     * says whether the loop thread is inside such a continuation right now: a null-context delivery
     * nested in one must clear what the outer one set, and only then does it cost anything.
     * Size: the `context` field crosses an 8-byte boundary for TaskOp (40 -> 48 bytes with compressed
     * oops and 12-byte headers; measured +8 B per callbacks step). Dropping the two booleans below
     * (`registered` is derivable from the pending links) would win it back; so do compact headers.
     */

    private static final Object NIL = new Object();
    private static final Object DELIVERED = new Object();
    /** A token of {@link #enterOnLoop}: the context was current already, nothing to restore. */
    private static final Object SAME_CONTEXT = new Object();

    /** A failed outcome. Cancellation is a Failure whose cause is a CancellationException. */
    private record Failure(Throwable cause) {}

    private volatile Object result;
    private volatile Object listener;

    /** The loop this op belongs to: where its listener runs. */
    final Loop loop;
    /**
     * Whether the listener was given to the constructor: then nobody can attach another, and the
     * winner of the result CAS delivers without a second CAS on {@code listener}.
     */
    private final boolean preset;
    /**
     * Whether {@link #cancel()} only asks for the cancellation and the operation ends later, through
     * {@link #requestCancel()} (a {@link Scope} cancels and awaits its children first). Read once per
     * cancel; sits in the object's padding.
     */
    private final boolean deferredCancel;
    /**
     * The context of the thread that started this operation ({@link Contexts#capture()}): null when
     * nothing was set, or when nothing can observe it (see the constructor). Final; made current around the listener and the operation's own task.
     */
    final Object context;

    // Pending registry links: touched on the loop thread only (see Loop#register).
    Op<?> prevPending;
    Op<?> nextPending;
    boolean registered;

    /**
     * @param loop the loop whose thread will run the listener
     * @param listener the listener, or {@code null} to attach one later with {@link #onComplete}
     */
    protected Op(Loop loop, OpListener<? super T> listener) {
        this(loop, listener, false);
    }

    /** For {@link Scope}: an operation whose cancel ends it later ({@link #requestCancel()}). */
    Op(Loop loop, OpListener<? super T> listener, boolean deferredCancel) {
        this(loop, listener, deferredCancel, false);
    }

    /**
     * @param runsTask whether the operation runs a task of its own under its context (a task, timer,
     *     repeat or offload op with a task): then it captures the context whatever its listener
     */
    Op(Loop loop, OpListener<? super T> listener, boolean deferredCancel, boolean runsTask) {
        this.loop = java.util.Objects.requireNonNull(loop, "loop");
        // A plain store, not a volatile one (which costs a StoreLoad fence per operation, about 4 ns a
        // step in every style): every other thread that reads `listener` (a completer's tryDeliver, a
        // canceller, onComplete's CAS, hasListener) got this op through a happens-before edge (a run
        // queue or worker-pool hand-off, a volatile field, a thread start), which orders this store
        // before its reads. Without such an edge a volatile store would not be guaranteed visible
        // either (JLS 17.4.5), and the final fields below make HotSpot end the constructor with a
        // release barrier anyway. Checked by jcstress OpPresetListenerTest.
        LISTENER.set(this, listener);
        this.preset = listener != null;
        this.deferredCancel = deferredCancel;
        // Nothing observes the context of an operation whose only continuation is a Weft listener that
        // runs no user code (a coroutine's resumer, a blocked thread's waiter) and that runs no task:
        // it captures nothing (no thread-local reads: on a virtual thread these miss the cache).
        this.context = !runsTask && listener instanceof Contexts.ContextFree ? null : Contexts.capture();
    }

    /** The loop this operation belongs to; its listener runs on that loop's thread. */
    public final Loop loop() {
        return loop;
    }

    /**
     * Attaches the one listener. If the operation has already completed, the listener is delivered
     * right away (inline when called on the loop thread, else through the loop).
     *
     * @throws IllegalStateException if a listener was already attached
     */
    public final void onComplete(OpListener<? super T> l) {
        java.util.Objects.requireNonNull(l, "listener");
        if (!LISTENER.compareAndSet(this, null, l)) {
            throw new IllegalStateException("this operation already has its listener: an Op tells exactly one"
                    + " listener; to share an outcome, let that listener fan it out (or use a facade's combinators)");
        }
        if (result != null) {
            tryDeliver();
        }
    }

    /**
     * Completes with a value, or, if the operation has already completed (it was cancelled, timed out,
     * closed), disposes of the value, which nobody will receive: see {@link #disposeUnreceived}. This is
     * the one place where that rule lives; callers never release a losing value themselves.
     *
     * @return {@code true} if this call completed the operation
     */
    protected final boolean complete(T value) {
        if (settle(value == null ? NIL : value)) {
            return true;
        }
        if (value != null) {
            try {
                disposeUnreceived(value);
            } catch (Throwable t) {
                loop.releaseFailed(this, t);
            }
        }
        return false;
    }

    /**
     * Disposes of a value that lost the race to complete this operation: nobody will ever receive it.
     * By default a reference-counted value is released (it belonged to its receiver) and anything else
     * is left alone. An operation that made the value for its receiver, or owns it, closes it: a
     * connect closes its connection with the reason, a combinator closes a losing connection or server.
     * Runs on the completing thread; must not block.
     */
    protected void disposeUnreceived(T value) {
        Disposal.release(value);
    }

    /**
     * Completes with a failure.
     *
     * @return {@code true} if this call completed the operation
     */
    protected final boolean fail(Throwable failure) {
        java.util.Objects.requireNonNull(failure, "failure");
        return settle(new Failure(failure));
    }

    @Override
    public final boolean cancel() {
        if (deferredCancel) {
            return requestCancel();
        }
        if (settle(new Failure(new OperationCancelledException("operation cancelled")))) {
            try {
                onCancel();
            } catch (Throwable t) { // cancel() never throws: a combinator cancelling its children must reach them all
                loop.releaseFailed(this, t);
            }
            return true;
        }
        return false;
    }

    /**
     * For an operation built with a deferred cancel: asks for the cancellation, which ends the
     * operation later (with a {@link CancellationException} unless it failed first). Any thread.
     *
     * @return {@code true} if this call asked first and the operation had not completed
     */
    boolean requestCancel() {
        throw new AssertionError("not an operation with a deferred cancel: " + this);
    }

    /**
     * Ends the operation with {@code cause} (used by close() and by start failures), releasing
     * what it holds like a cancellation does.
     */
    final boolean abort(Throwable cause) {
        if (settle(new Failure(cause))) {
            try {
                onAbort();
            } catch (Throwable t) {
                loop.releaseFailed(this, t);
            }
            return true;
        }
        return false;
    }

    /** Called once after {@link #abort} won; by default the same release as {@link #onCancel()}. */
    protected void onAbort() {
        onCancel();
    }

    /**
     * Puts this operation in its loop's pending registry, so that {@link WeftRuntime#close()} fails it
     * if it is still pending then. For operations whose completion comes from outside the loop's run
     * queue (a timer, a worker, a peer, a user). Safe from any thread; leaves the registry by itself
     * when it completes.
     */
    protected final void track() {
        if (loop.isLoopThread()) {
            loop.register(this);
        } else {
            loop.execute(new Register(this));
        }
    }

    /**
     * Called once, on the cancelling thread, after a cancellation won: release what the operation
     * holds (stop a timer, interrupt a task, cancel children). Must be thread-safe and must not block.
     */
    protected void onCancel() {}

    /** Whether its one listener has been attached (it may or may not have been told yet). */
    public final boolean hasListener() {
        return listener != null;
    }

    /** Whether the operation has completed, in any way. */
    public final boolean isDone() {
        return result != null;
    }

    /** Whether the operation completed by cancellation. */
    public final boolean isCancelled() {
        return result instanceof Failure f && f.cause instanceof CancellationException;
    }

    /** Whether the operation completed with a failure (including cancellation). */
    public final boolean isFailed() {
        return result instanceof Failure;
    }

    /**
     * The value of a successfully completed operation.
     *
     * @throws IllegalStateException if it is still pending or did not succeed
     */
    @SuppressWarnings("unchecked")
    public final T valueNow() {
        Object r = result;
        if (r == null) {
            throw new IllegalStateException("operation is still pending");
        }
        if (r instanceof Failure f) {
            throw new IllegalStateException("operation failed: " + f.cause, f.cause);
        }
        return r == NIL ? null : (T) r;
    }

    /** The failure of a completed operation, or {@code null} if it succeeded or is pending. */
    public final Throwable failureNow() {
        return result instanceof Failure f ? f.cause : null;
    }

    /**
     * The value of a completed operation, or its failure thrown: unchecked exceptions and errors as
     * they are, checked exceptions wrapped in a {@link CompletionException}.
     *
     * @throws IllegalStateException if it is still pending
     */
    @SuppressWarnings("unchecked")
    public final T getOrThrow() {
        Object r = result;
        if (r instanceof Failure f) {
            Throwable c = f.cause;
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error e) {
                throw e;
            }
            throw new CompletionException(c);
        }
        if (r == null) {
            throw new IllegalStateException("operation is still pending");
        }
        return r == NIL ? null : (T) r;
    }

    private boolean settle(Object r) {
        if (!RESULT.compareAndSet(this, null, r)) {
            loop.metrics.lateCompletions.increment();
            return false;
        }
        if (loop.isCarrierThread()) {
            // On the loop thread, or on a virtual thread it carries (physically on the loop, so the
            // loop-confined registry and counters may be touched; tryDeliver still hands the listener
            // to the loop's own thread).
            settledOnLoop();
        } else {
            loop.execute(new SettledElsewhere(this));
        }
        return true;
    }

    /** On the loop (or its carried thread): leave the registry, count the outcome, deliver if a listener is there. */
    final void settledOnLoop() {
        if (registered) {
            loop.unregister(this);
        }
        loop.metrics.completed(result instanceof Failure f ? f.cause : null);
        tryDeliver();
    }

    @SuppressWarnings("unchecked")
    private void tryDeliver() {
        Object l = listener;
        if (preset) {
            // Only the winner of the result CAS gets here for a preset listener: no race to settle.
            LISTENER.setOpaque(this, DELIVERED);
        } else if (l == null || l == DELIVERED || !LISTENER.compareAndSet(this, l, DELIVERED)) {
            return;
        }
        OpListener<? super T> ol = (OpListener<? super T>) l;
        if (loop.isLoopThread()) {
            deliver(ol);
        } else {
            loop.execute(() -> deliver(ol));
        }
    }

    @SuppressWarnings("unchecked")
    private void deliver(OpListener<? super T> l) {
        Object r = result;
        Object token = enterOnLoop();
        try {
            if (r instanceof Failure f) {
                l.onComplete(null, f.cause);
            } else {
                l.onComplete(r == NIL ? null : (T) r, null);
            }
        } catch (Throwable t) {
            loop.listenerFailed(l, t);
        } finally {
            exitOnLoop(token);
        }
    }

    /**
     * On the loop thread (or after the loop ended, serially): makes this operation's context current
     * for a continuation. Returns the token for {@link #exitOnLoop}, or {@code null} if there was nothing
     * to do (no context, and the loop thread is not inside another continuation's context): the hot
     * path, two field reads.
     */
    final Object enterOnLoop() {
        Object c = context;
        Loop l = loop;
        int depth = l.contextDepth;
        if (depth == 0) {
            if (c == null) {
                return null;
            }
        } else if (c != null && c == l.enteredContext) {
            return SAME_CONTEXT; // the delivery of a task op, inside its own task: already current
        }
        Object token = Contexts.enter(c, depth != 0);
        l.contextDepth = depth + 1;
        l.enteredContext = c;
        return token;
    }

    /**
     * On the loop thread: runs {@code t} under this operation's context and completes this operation
     * with its value or fails it with what it threw (the body of every operation that runs a task).
     */
    final void callOnLoop(Callable<? extends T> t) {
        Object token = enterOnLoop();
        try {
            callAndSettle(t);
        } finally {
            exitOnLoop(token);
        }
    }

    /** Runs {@code t} here and completes this operation with its value, or fails it with what it threw. */
    final void callAndSettle(Callable<? extends T> t) {
        T value;
        try {
            value = t.call();
        } catch (Throwable e) {
            fail(e);
            return;
        }
        complete(value);
    }

    /** Restores what {@link #enterOnLoop} replaced. */
    final void exitOnLoop(Object token) {
        if (token != null && token != SAME_CONTEXT) {
            Loop l = loop;
            int depth = --l.contextDepth;
            l.enteredContext = depth == 0 ? null : SAME_CONTEXT; // the outer one's is not known here: never matched
            Contexts.exit(token);
        }
    }

    private static final class Register implements Runnable {
        private final Op<?> op;

        Register(Op<?> op) {
            this.op = op;
        }

        @Override
        public void run() {
            op.loop.register(op);
        }
    }

    /** Hands an off-loop completion to the loop (one small object, off the hot path). */
    private static final class SettledElsewhere implements Runnable {
        private final Op<?> op;

        SettledElsewhere(Op<?> op) {
            this.op = op;
        }

        @Override
        public void run() {
            op.settledOnLoop();
        }
    }

    @Override
    public String toString() {
        Object r = result;
        String state = r == null ? "pending" : r instanceof Failure f
                ? (f.cause instanceof CancellationException ? "cancelled" : "failed: " + f.cause) : "done";
        return getClass().getSimpleName() + "[" + state + "]";
    }

    // VarHandle mechanics
    private static final VarHandle RESULT;
    private static final VarHandle LISTENER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RESULT = l.findVarHandle(Op.class, "result", Object.class);
            LISTENER = l.findVarHandle(Op.class, "listener", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
