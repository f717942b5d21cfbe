package dev.weft.core;

import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Disposal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;

/**
 * A structured-concurrency scope: an operation that owns what is started in it (operations, child
 * scopes, coroutines) and ends only when its body and every child have ended. The shape of JDK 25's
 * {@code StructuredTaskScope} ({@link Policy#FAIL_FAST} is its {@code allSuccessfulOrThrow} joiner,
 * {@link Policy#SUPERVISOR} its {@code awaitAll}) and of kotlinx's {@code coroutineScope} /
 * {@code supervisorScope}, for every style; the facades ({@code cb.scope}, {@code fu.scope},
 * {@code co.scope}) are thin adapters over this class.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Join.</b> When the body has given its result, the scope waits for every child; it then
 *       completes with the body's value.</li>
 *   <li><b>Fail fast</b> ({@link Policy#FAIL_FAST}): the first failure of a child or of the body
 *       cancels everything still running in the scope (children and body); once all of it has ended,
 *       the scope fails with that first failure, later failures attached to it as
 *       {@linkplain Throwable#getSuppressed() suppressed}. A child that ends with a
 *       {@link CancellationException} (cancelled by the body, or by the scope) is no failure.</li>
 *   <li><b>Supervisor</b> ({@link Policy#SUPERVISOR}): a child's failure reaches that child's
 *       listener only; its siblings keep running and the body decides. The body's own failure still
 *       cancels the children and fails the scope.</li>
 *   <li><b>Cancel.</b> {@link #cancel()} (any thread) cancels everything in the scope; the scope
 *       completes with a {@link CancellationException} (or the failure that came first) only after
 *       all of it has ended: unlike other operations, a scope's cancel does not complete it at once.</li>
 *   <li><b>Deadline.</b> A scope opened with a deadline arms one loop timer; if the scope is still
 *       running when it fires, everything in it is cancelled and the scope fails with
 *       {@link OperationTimeoutException}.</li>
 *   <li><b>No orphan.</b> A child cannot be added to a scope that has ended
 *       ({@link IllegalStateException}); one added while the scope is being cancelled is cancelled
 *       at once. A cancelled child releases what it holds by the rules of every operation (a value
 *       that arrives after the cancel is disposed of).</li>
 *   <li>A value the body gave, which the scope then cannot deliver (it failed, or was cancelled), is
 *       disposed of: released if reference-counted, closed if a connection or server.</li>
 * </ul>
 *
 * <p>Threads: the scope is loop-affine: its state lives on {@link #loop()}, its listener runs there,
 * and so does its bookkeeping (a child ending on another thread is handed to the loop). Its methods
 * may be called from any thread. Children may run anywhere; a facade's scoped view starts them on
 * the scope's loop, where ending one costs no thread hop.
 *
 * <pre>{@code
 * Scope<String> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, Duration.ofSeconds(2), listener);
 * scope.fork(l -> loop.delay(Duration.ofMillis(10), l), (v, e) -> log.info("child done"));
 * scope.body().onComplete("result", null);   // the scope completes once the child is done too
 * }</pre>
 *
 * @param <T> the type of the body's result, the scope's value
 */
public final class Scope<T> extends Op<T> {

    /*
     * Overview (maintainers)
     *
     * `pending` counts the body and the live children; it starts at 1 (the body's slot). Adding a
     * child CASes it up from a non-zero value (zero means the scope has ended: refused); a child's
     * end takes it down on the loop, and the one that reaches zero finishes the scope. That count is
     * the only state touched off the loop. Everything else (the list of children to cancel, the
     * first failure, the body's value, `stopping`) is loop-confined: a child added off the loop is
     * linked by a task on the loop, and one that ends before its link task ran is finished by it.
     *
     * Cancelling is "stop": loop-confined, once; it cancels a snapshot of the linked children (a
     * cancel may end other children synchronously) and, from then on, every child linked later.
     */

    /** What a child's failure does to the scope. */
    public enum Policy {
        /**
         * The first failure (of a child or of the body) cancels everything in the scope and becomes
         * its outcome; later ones are suppressed into it. JDK {@code Joiner.allSuccessfulOrThrow()},
         * kotlinx {@code coroutineScope}.
         */
        FAIL_FAST,
        /**
         * A child's failure goes to its own listener only; its siblings keep running and the body
         * decides. The body's failure still ends the scope. JDK {@code Joiner.awaitAll()}, kotlinx
         * {@code supervisorScope}.
         */
        SUPERVISOR
    }

    /**
     * Starts one child, given the listener that must hear its outcome (exactly once); returns its
     * handle, or {@code null} when there is nothing to cancel.
     *
     * @param <R> the child's value type
     */
    @FunctionalInterface
    public interface Start<R> {
        Cancellable start(OpListener<R> listener);
    }

    private final Policy policy;
    private final Duration deadline;
    /** Body + live children; see the overview. Any thread (CAS up, loop down). */
    private volatile int pending = 1;
    /** Whether cancel() has been asked (for its return value). Any thread. */
    private volatile int cancelAsked;
    /** Loop-confined: the linked children, a doubly-linked list through {@link Child#prev}/{@link Child#next}. */
    private Child<?> head;
    /** Loop-confined: the first failure (a CancellationException after an outside cancel). */
    private Throwable failure;
    /** Loop-confined: everything in the scope has been told to stop. */
    private boolean stopping;
    /** Loop-confined: the body's value, until the scope completes with it or disposes of it. */
    private T value;
    /** The body's slot; handed out once by {@link #body()}. */
    private final Child<T> body;
    private volatile boolean bodyTaken;
    /** The deadline's timer, or null. Written once before the scope is published. */
    private ScheduledFuture<?> timer;

    private Scope(Loop loop, Policy policy, Duration deadline, OpListener<? super T> listener) {
        super(loop, listener, true);
        this.policy = policy;
        this.deadline = deadline;
        this.body = new Child<>(this, null, true);
    }

    /**
     * Opens a scope on {@code loop}: its body and children may then be started. The scope is tracked
     * ({@link WeftRuntime#close()} fails it with {@link RuntimeClosedException} and cancels what it
     * owns). Any thread.
     *
     * @param deadline how long the scope may run before it is cancelled and fails with
     *     {@link OperationTimeoutException}, measured from now; {@code null} for none
     * @param listener told the scope's outcome on the loop thread, or {@code null} to attach one later
     * @throws IllegalArgumentException if {@code deadline} is negative
     * @throws RuntimeClosedException if the runtime is closed
     */
    public static <T> Scope<T> open(Loop loop, Policy policy, Duration deadline, OpListener<? super T> listener) {
        Checks.notNull(loop, "loop");
        Checks.notNull(policy, "policy");
        long nanos = deadline == null ? -1 : Checks.saturatedNanos(Checks.notNegative(deadline, "deadline"));
        loop.runtime().ensureOpen();
        Scope<T> s = new Scope<>(loop, policy, deadline, listener);
        s.track();
        if (nanos >= 0) {
            // one loop timer, on the runtime's clock (virtual in tests that configure one)
            s.timer = loop.armTimer(nanos, s::expire);
        }
        s.link(s.body);
        return s;
    }

    /** The policy this scope was opened with. */
    public Policy policy() {
        return policy;
    }

    /** The deadline this scope was opened with, or {@code null}. */
    public Duration deadline() {
        return deadline;
    }

    /**
     * The body's slot: the body gives the scope its result by calling {@code onComplete} on it
     * exactly once (a value, or a failure, which ends the scope under either policy); binding a
     * handle to it ({@link Child#bind}) lets the scope cancel the body when it stops. Later calls are
     * ignored (a value then reaches nobody and is released). Any thread.
     *
     * @throws IllegalStateException if the body's slot was taken already
     */
    public Child<T> body() {
        if (bodyTaken) {
            throw new IllegalStateException("scope: its body was started already (expected: one body per scope)");
        }
        bodyTaken = true;
        return body;
    }

    /**
     * Adds a child whose end is signalled by calling {@code onComplete} on the returned slot (exactly
     * once), which first tells {@code then} (if not null). Pass the slot as the child operation's
     * listener, and {@linkplain Child#bind bind} the child's handle so the scope can cancel it. An
     * exception thrown by {@code then} counts as the child's failure. Any thread.
     *
     * @throws IllegalStateException if the scope has ended
     */
    public <R> Child<R> child(OpListener<? super R> then) {
        int p;
        do {
            p = pending;
            if (p == 0) {
                throw new IllegalStateException("scope: " + this + " has ended (expected: a running scope; start"
                        + " work in a scope only while its body or children run)");
            }
        } while (!PENDING.compareAndSet(this, p, p + 1));
        Child<R> c = new Child<>(this, then, false);
        link(c);
        return c;
    }

    /**
     * Starts a child: {@code start} gets the listener to complete, {@code then} hears the child's
     * outcome, and the returned handle cancels the child. If {@code start} throws (bad arguments,
     * a closed runtime), nothing was added and the exception is thrown here. Any thread.
     *
     * @throws IllegalStateException if the scope has ended
     */
    public <R> Cancellable fork(Start<R> start, OpListener<? super R> then) {
        Checks.notNull(start, "start");
        Child<R> c = child(then);
        Cancellable h;
        try {
            h = start.start(c);
        } catch (Throwable t) {
            c.abandon();
            throw t;
        }
        if (h != null) {
            c.bind(h);
        }
        return c;
    }

    // ---------------------------------------------------------------- loop-confined bookkeeping

    private void link(Child<?> c) {
        if (loop.isCarrierThread()) {
            linkOnLoop(c);
        } else {
            loop.execute(c::linkTask);
        }
    }

    private void linkOnLoop(Child<?> c) {
        c.linked = true;
        if (c.endedEarly) {
            ended(c, c.earlyFailure);
            return;
        }
        c.next = head;
        if (head != null) {
            head.prev = c;
        }
        head = c;
        if (stopping) {
            c.cancel();
        }
    }

    /** A child (or the body) ended: on the loop. */
    @SuppressWarnings("unchecked")
    private void endedOnLoop(Child<?> c, Object v, Throwable f) {
        if (!c.linked) { // its link task has not run yet: it finishes the child
            c.endedEarly = true;
            c.earlyFailure = f;
            if (c.isBody) {
                value = (T) v;
            }
            return;
        }
        if (c.isBody) {
            value = (T) v;
        }
        ended(c, f);
    }

    private void ended(Child<?> c, Throwable f) {
        // unlink
        if (c.prev != null) {
            c.prev.next = c.next;
        } else if (head == c) {
            head = c.next;
        }
        if (c.next != null) {
            c.next.prev = c.prev;
        }
        c.prev = c.next = null;
        if (f != null && counts(c, f)) {
            failed(f);
        }
        if ((int) PENDING.getAndAdd(this, -1) == 1) {
            finish();
        }
    }

    /** Whether a child's failure is the scope's: the body's always (but a cancel the scope caused), a child's when failing fast. */
    private boolean counts(Child<?> c, Throwable f) {
        if (f instanceof CancellationException) {
            return c.isBody && !stopping;
        }
        return c.isBody || policy == Policy.FAIL_FAST || failure != null;
    }

    /** Records a failure: the first one stops the scope, later ones are suppressed into it. */
    private void failed(Throwable f) {
        if (failure == null) {
            failure = f;
            stop();
        } else if (f != failure) {
            failure.addSuppressed(f);
        }
    }

    /** Cancels everything in the scope, once. */
    private void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        stopTimer();
        int n = 0;
        for (Child<?> c = head; c != null; c = c.next) {
            n++;
        }
        Child<?>[] all = new Child<?>[n];
        int i = 0;
        for (Child<?> c = head; c != null; c = c.next) {
            all[i++] = c;
        }
        for (Child<?> c : all) {
            c.cancel();
        }
    }

    private void finish() {
        stopTimer();
        T v = value;
        value = null;
        Throwable f = failure;
        if (f != null) {
            Disposal.dispose(v);
            fail(f);
        } else {
            complete(v); // if close() ended the scope first, complete() disposes of the value
        }
    }

    private void expire() {
        if (!isDone() && !stopping) {
            failed(new OperationTimeoutException(deadline));
        }
    }

    private void stopTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    boolean requestCancel() {
        if (isDone() || !CANCEL_ASKED.compareAndSet(this, 0, 1)) {
            return false;
        }
        loop.runNowOrLater(this::cancelOnLoop);
        return true;
    }

    private void cancelOnLoop() {
        if (!isDone()) {
            failed(new CancellationException("scope cancelled"));
        }
    }

    /** close() ended the scope: cancel what it owns (they are being failed by the close too). */
    @Override
    protected void onAbort() {
        loop.runNowOrLater(this::stop);
    }

    /** The scope owns its body's value: one nobody receives is closed if it is a connection or server. */
    @Override
    protected void disposeUnreceived(T unreceived) {
        Disposal.dispose(unreceived);
    }

    /**
     * One child of a scope (or its body): the listener that signals its end, and the handle the scope
     * cancels it with. {@link #onComplete} and {@link #bind} may be called from any thread;
     * {@link #cancel()} cancels the child (its end is still signalled through {@code onComplete}).
     *
     * @param <R> the child's value type
     */
    public static final class Child<R> implements OpListener<R>, Cancellable {
        private static final Cancellable CANCELLED = () -> false;

        private final Scope<?> scope;
        private final OpListener<? super R> then;
        final boolean isBody;
        /** null, the child's handle, or CANCELLED. Any thread. */
        private volatile Cancellable handle;
        /** Set by the first onComplete. Any thread. */
        private volatile int ended;
        // loop-confined
        private Child<?> prev;
        private Child<?> next;
        private boolean linked;
        private boolean endedEarly;
        private Throwable earlyFailure;

        Child(Scope<?> scope, OpListener<? super R> then, boolean isBody) {
            this.scope = scope;
            this.then = then;
            this.isBody = isBody;
        }

        /**
         * The child's handle, so that the scope can cancel it; if the scope is stopping already, the
         * handle is cancelled at once. Any thread; once.
         */
        public void bind(Cancellable h) {
            Checks.notNull(h, "handle");
            if (!HANDLE.compareAndSet(this, null, h)) {
                h.cancel(); // cancelled before its handle arrived
            }
        }

        /** Cancels the child through its handle (now, or when it is bound). Any thread. */
        @Override
        public boolean cancel() {
            Cancellable h = (Cancellable) HANDLE.getAndSet(this, CANCELLED);
            return h != null && h != CANCELLED && h.cancel();
        }

        /**
         * The child ended: tells its listener (if any), then the scope. The first call counts; later
         * ones are ignored, and a value they carry is released.
         */
        @Override
        public void onComplete(R v, Throwable f) {
            if (!ENDED.compareAndSet(this, 0, 1)) {
                Disposal.release(v);
                return;
            }
            if (then != null) {
                try {
                    then.onComplete(v, f);
                } catch (Throwable t) {
                    if (scope.policy == Policy.SUPERVISOR) {
                        scope.loop.listenerFailed(then, t); // the scope will not report it: log it
                    }
                    if (f == null) {
                        f = t;
                    } else {
                        f.addSuppressed(t);
                    }
                }
            }
            Throwable failure = f;
            Scope<?> s = scope;
            if (s.loop.isCarrierThread()) {
                s.endedOnLoop(this, v, failure);
            } else {
                s.loop.execute(() -> s.endedOnLoop(this, v, failure));
            }
        }

        /** The child could not start: it leaves the scope without an outcome. */
        void abandon() {
            HANDLE.setVolatile(this, CANCELLED);
            if (ENDED.compareAndSet(this, 0, 1)) {
                Scope<?> s = scope;
                if (s.loop.isCarrierThread()) {
                    s.endedOnLoop(this, null, null);
                } else {
                    s.loop.execute(() -> s.endedOnLoop(this, null, null));
                }
            }
        }

        void linkTask() {
            scope.linkOnLoop(this);
        }
    }

    // VarHandle mechanics
    private static final VarHandle PENDING;
    private static final VarHandle CANCEL_ASKED;
    private static final VarHandle HANDLE;
    private static final VarHandle ENDED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PENDING = l.findVarHandle(Scope.class, "pending", int.class);
            CANCEL_ASKED = l.findVarHandle(Scope.class, "cancelAsked", int.class);
            HANDLE = l.findVarHandle(Child.class, "handle", Cancellable.class);
            ENDED = l.findVarHandle(Child.class, "ended", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
