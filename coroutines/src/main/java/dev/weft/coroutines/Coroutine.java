package dev.weft.coroutines;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.Scope;
import dev.weft.core.internal.Carriers;
import dev.weft.core.internal.Contexts;
import dev.weft.core.internal.Disposal;
import dev.weft.core.internal.LoopTicks;
import dev.weft.coroutines.internal.LoopCarriers;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * A running coroutine (a virtual thread started by {@link Coroutines}) and the operation that ends
 * with its body's result. As an {@link Op} it can be awaited by another coroutine, combined, or given
 * one listener; its outcome has exactly one consumer.
 *
 * <p>{@link #cancel()} cancels the operation the coroutine is suspended on (or the next one it
 * suspends on): the suspending call throws {@link java.util.concurrent.CancellationException}, and
 * every later suspending call of a cancelled coroutine throws it at once, before starting its
 * operation ({@code await} of an operation that has already completed returns its outcome). A cancel
 * that lands while the body is inside a call, between starting the operation and suspending on it,
 * cancels that operation as soon as the body suspends: like any cancellation of an operation already
 * handed to its loop, it may have taken effect by then.
 *
 * <p>A cancel that finds the body running outside any Weft call (in {@code Thread.sleep}, a
 * {@code BlockingQueue}, JDK socket I/O, or computing) interrupts its thread, as cancelling an offload
 * interrupts its worker: a blocking call then ends with its {@code InterruptedException} (or its
 * own equivalent). The interrupt is consumed where the cancellation reaches the body as a
 * {@code CancellationException} from a suspending call, so a body that catches that exception does
 * not find its thread still interrupted. One suspended on a Weft operation is not interrupted: that
 * operation's cancellation wakes it.
 * A value the body returns after its coroutine was cancelled reaches nobody: a reference-counted
 * one (a reply buffer) is released.
 *
 * @param <T> the body's result type
 */
public final class Coroutine<T> extends Op<T> implements Carriers.Binding {
    final Coroutines owner;
    /** The scheduler of this coroutine's virtual thread when the loop carries it (LOOP_AFFINE), else null. */
    final LoopCarrier carrier;
    /** Read by the body's thread only, after start. */
    private Callable<? extends T> body;
    /** The launching thread's context (Contexts.capture), made current around the body; read by the body's thread only, after start. */
    private Object launchContext;
    /** The virtual thread; written before start. */
    Thread thread;
    /** The operation this coroutine waits on now; written by its own thread, read by a canceller. */
    private volatile Op<?> suspendedOn;
    /** The innermost {@code withTimeout} deadline the body runs under, or {@code null}; its own thread's. */
    CoroutineDeadline deadline;
    /**
     * Whether {@link #onCancel()} interrupted the thread: NOT_INTERRUPTED until the canceller (once: a
     * coroutine is cancelled at most once) reaches a final state, NO_INTERRUPT (it cancelled the
     * operation suspended on, or cancelled itself) or INTERRUPTING then INTERRUPTED; CONSUMED by the
     * coroutine's own thread when it cleared that interrupt.
     */
    private volatile int cancelInterrupt;
    private static final int NOT_INTERRUPTED = 0;
    private static final int INTERRUPTING = 1;
    private static final int INTERRUPTED = 2;
    private static final int CONSUMED = 3;
    private static final int NO_INTERRUPT = 4;

    /** Whether whoever takes the outcome was known at launch (a combinator's child): never reported unobserved. */
    private final boolean consumerKnown;
    /** Written by the body's thread before it publishes a failure; read by whoever takes that failure. */
    private volatile UnobservedFailures.Suspect suspect;

    /**
     * The supervisor scope of the coroutines this one launched (its children), made with the first
     * one; {@code null} until then. Written by this coroutine's thread, read by a canceller.
     */
    private volatile Scope<Object> kids;
    /** Non-null for the body of a {@code co.scope}: the scope that owns what this body launches. Set before start. */
    Scope<?> bodyOf;
    /** The slot of the scope (or parent) that owns this coroutine, told when it has ended; or null if detached. Set before start. */
    Scope.Child<Object> link;
    /** What the body threw, if it did (own thread). */
    private Throwable thrown;

    /**
     * Unparks this coroutine when the operation it awaits completes; one per coroutine. It observes no
     * context, so an operation of a suspending call that runs no task captures none. For a tick on
     * the loop that carries this coroutine it is also the tick's waiter (see {@link Coroutine#tick}).
     */
    final Resumer resumer = new Resumer(this);

    static final class Resumer implements OpListener<Object>, Contexts.ContextFree, LoopTicks.Waiter {
        final Coroutine<?> coroutine;
        /**
         * The tick this coroutine waits for yielded (see {@link Coroutine#tick}), or null. Written by the
         * coroutine's thread before it yields, read by its scheduler on the same loop thread.
         */
        Op<?> tick;
        /**
         * The coroutine's continuation while it waits yielded for {@link #tick}: set by its scheduler
         * (on the loop thread) when the JDK hands it over, taken by {@link #resume()} on the loop thread
         * (or, once the loop has ended, on whichever thread runs the tick then).
         */
        Runnable continuation;

        Resumer(Coroutine<?> coroutine) {
            this.coroutine = coroutine;
        }

        @Override
        public void onComplete(Object value, Throwable failure) {
            LockSupport.unpark(coroutine.thread);
        }

        /**
         * Whether the tick must not run its task: the coroutine was cancelled (a canceller that missed
         * the tick in {@code suspendedOn} may not have interrupted yet: its result CAS is enough) or its
         * thread was interrupted.
         */
        @Override
        public boolean interrupted() {
            return coroutine.isDone() || coroutine.thread.isInterrupted();
        }

        @Override
        public void resume() {
            Runnable c = continuation;
            if (c == null) { // the yield did not happen (pinned): the coroutine parks, as for any operation
                LockSupport.unpark(coroutine.thread);
                return;
            }
            continuation = null;
            // Queued behind what the loop has queued so far, as the JDK's unpark would have queued it:
            // continuations keep their place and the drain's time budget (after close() began, the
            // carrier's after-close rules apply).
            coroutine.carrier.execute(c);
        }
    }

    /**
     * @param consumerKnown whether the launcher takes the outcome for sure (a combinator's child)
     * @param listener the one listener, known at launch, or {@code null}
     */
    Coroutine(Coroutines owner, Loop loop, LoopCarrier carrier, boolean consumerKnown, OpListener<? super T> listener,
            Callable<? extends T> body) {
        super(loop, listener);
        this.owner = owner;
        this.carrier = carrier;
        this.consumerKnown = consumerKnown || listener != null;
        this.body = body;
        this.launchContext = Contexts.capture();
    }

    void runBody() {
        Callable<? extends T> b = body;
        body = null;
        Object context = launchContext;
        launchContext = null;
        T value;
        // The body runs with the context of the launch; its own thread-locals then carry it across every
        // suspension (a virtual thread keeps them whichever carrier it resumes on).
        Object token = context == null ? null : Contexts.enter(context, true);
        try {
            if (isDone()) {
                endKids(null);
                return; // cancelled before it ran
            }
            value = b.call();
        } catch (Throwable e) {
            thrown = e;
            endKids(e);
            failed(e);
            return;
        } finally {
            if (token != null) {
                Contexts.exit(token);
            }
        }
        endKids(null);
        complete(value); // cancelled while it ran: complete() disposes of the value nobody will receive
    }

    /**
     * The coroutine this one belongs to (its parent's scope, or a {@code co.scope}) while launching
     * from this one's thread: the owner of a new child. Made on first use.
     */
    Scope<?> ownerOfChildren() {
        if (bodyOf != null) {
            return bodyOf;
        }
        Scope<Object> k = kids;
        if (k == null) {
            k = Scope.open(loop(), Scope.Policy.SUPERVISOR, null, resumer);
            kids = k;
            if (isDone()) { // cancelled meanwhile: onCancel may not have seen kids
                k.cancel();
            }
        }
        return k;
    }

    /**
     * The body has ended (with {@code failure}, or null): the children it launched are awaited (and
     * cancelled first if the body failed or the coroutine was cancelled) before this coroutine
     * completes. Suspends like any call, so a cancel meanwhile cancels the children and still waits.
     */
    private void endKids(Throwable failure) {
        Scope<Object> k = kids;
        if (k == null) {
            return;
        }
        k.body().onComplete(null, failure);
        try {
            suspend(k);
        } catch (Throwable outcomeOfTheChildren) {
            // the children's outcomes went to their own takers; the body's outcome is this coroutine's
        }
    }

    /** The body's value for the scope whose body this is (null unless it succeeded). */
    Object valueForScope() {
        return isDone() && !isFailed() ? valueNow() : null;
    }

    /** How this coroutine ended, for the scope that owns it: what its body threw, else its outcome's failure. */
    Throwable failureForScope() {
        return thrown != null ? thrown : failureNow();
    }

    /**
     * The body threw. A failure nobody may take is watched (see {@link UnobservedFailures}): its
     * suspect is written before the failure is published, so that whoever sees the failure sees it.
     */
    private void failed(Throwable e) {
        UnobservedFailures.Suspect s = null;
        if (!consumerKnown && !hasListener() && UnobservedFailures.reportable(e)) {
            s = owner.unobserved.suspect(this, e);
            suspect = s;
        }
        if (fail(e) && s != null) {
            owner.unobserved.watch(this, s);
        }
    }

    /** Its outcome was taken (Coroutines.await of a completed coroutine): a failure is observed. */
    void outcomeTaken() {
        UnobservedFailures.Suspect s = suspect;
        if (s != null) {
            s.observed();
        }
    }

    /** Parks the coroutine's thread until {@code op} completes; returns its value or throws its failure. */
    <R> R suspend(Op<R> op) {
        if (isDone()) { // cancelled (or closed) already: do not wait for anything else
            op.cancel();
            if (op.isDone()) {
                if (op.isCancelled()) { // the cancellation reaches the body here (op may have won with a value)
                    consumeCancelInterrupt();
                }
                return op.getOrThrow();
            }
            // an operation whose cancel ends it later (a scope awaiting its children): wait for that
        }
        CoroutineDeadline d = deadline;
        if (d != null && CoroutineDeadline.outermostExpired(d) != null) { // past a withTimeout deadline: as cancelled
            op.cancel();
            return timedOutOr(d, op);
        }
        suspendedOn = op;
        if (isDone() || d != null && CoroutineDeadline.outermostExpired(d) != null) { // a canceller or timer that missed op
            op.cancel();
        }
        int parks = 0;
        if (!op.isDone()) {
            if (carrier != null) {
                Carriers.carrying(loop(), null); // the loop no longer runs us (for the blocked-loop detector)
            }
            do {
                LockSupport.park(this);
                parks++;
                if (Thread.interrupted()) {
                    op.cancel();
                }
            } while (!op.isDone());
            if (carrier != null) {
                Carriers.carrying(loop(), thread); // resumed: the loop runs us again
            }
        }
        SUSPENDED_ON.setRelease(this, null); // a canceller that still sees op cancels a done op: harmless
        if (op.isCancelled() && isCancelled()) {
            // a cancel that raced our suspending interrupted us, and its cancellation reaches the body here
            consumeCancelInterrupt();
        }
        owner.counted(this, parks);
        return d == null ? op.getOrThrow() : timedOutOr(d, op);
    }

    /**
     * {@code Coroutines.tick(task)} made by this coroutine on its own thread, after the refusals of
     * every suspending call: on the loop that carries it right now, a yield that the tick itself
     * resumes (see {@link LoopTicks}); else the operation of {@code Loop.tick} and {@link #suspend}. What the body
     * sees is the same either way: the task runs on the loop thread on the loop's next iteration under
     * the call's context, never if the coroutine was cancelled (or its thread interrupted) first; the
     * call returns its value or throws its failure, its cancellation, or a {@code withTimeout}
     * deadline's timeout.
     */
    <R> R tick(Callable<? extends R> task, Coroutines via) {
        Loop l = loop();
        if (carrier == null || LoopCarriers.currentCarrier() != l.thread()) {
            return suspend(via.started(l.tick(task, resumer)));
        }
        Op<R> op = via.started(LoopTicks.prepare(l, task, resumer));
        CoroutineDeadline d = deadline;
        if (isDone() || d != null && CoroutineDeadline.outermostExpired(d) != null) {
            return suspend(op); // cancelled or past a deadline: suspend() cancels op, which was never queued
        }
        // A canceller that reads null here has completed this coroutine first (its result CAS), which
        // the tick checks on the loop before it runs its task (LoopTicks.Waiter#interrupted), and then
        // interrupts this thread: no fence needed, unlike suspend()'s parked wait. The deadline timer
        // runs on this same loop thread.
        SUSPENDED_ON.setRelease(this, op);
        Resumer r = resumer;
        r.tick = op;
        Carriers.carrying(l, null); // the loop no longer runs us (for the blocked-loop detector)
        carrier.yielding = r;
        try {
            Thread.yield(); // the JDK hands our continuation to the carrier, which queues op instead (LoopCarrier)
        } catch (Throwable e) { // did not yield (a StackOverflowError in the JDK's yield): undo, then throw
            if (!tookBack(r, l)) {
                Carriers.carrying(l, thread);
            }
            op.cancel();
            SUSPENDED_ON.setRelease(this, null);
            throw e;
        }
        if (tookBack(r, l)) {
            // Did not yield (pinned): queue op ourselves and wait as every suspending call does (op
            // unparks us when it is done; an interrupt cancels it: a pinned park returns at once while
            // interrupted, and op can only complete on this very loop thread).
            LoopTicks.offer(op);
            return suspend(op);
        }
        while (!op.isDone()) { // resumed by op itself once done
            LockSupport.park(this);
        }
        Carriers.carrying(l, thread); // resumed: the loop runs us again
        SUSPENDED_ON.setRelease(this, null);
        // An interrupt is consumed as the parked wait consumes one that woke it; the tick has cancelled
        // itself for one it saw before its task, and a later one cancels as late as the parked wait's would.
        if (Thread.interrupted() && !op.isCancelled()) {
            op.cancel();
        }
        if (op.isCancelled() && isCancelled()) {
            consumeCancelInterrupt();
        }
        owner.counted(this, 1);
        return d == null ? op.getOrThrow() : timedOutOr(d, op);
    }

    /**
     * After a {@code Thread.yield()} in {@link #tick}: when the carrier did not take the hand-over
     * ({@code r} still waits in it: the yield did not happen), takes it back and gives the loop back to
     * this coroutine (the blocked-loop detector's bookkeeping), and returns true.
     */
    private boolean tookBack(Resumer r, Loop l) {
        if (carrier.yielding != r) {
            return false;
        }
        carrier.yielding = null;
        r.tick = null;
        Carriers.carrying(l, thread);
        return true;
    }

    /**
     * {@code op}'s outcome; or, once a {@code withTimeout} deadline has expired, that deadline's
     * {@link dev.weft.core.OperationTimeoutException}, promptly (as kotlinx's cancellation): also when
     * {@code op} got its value before the timer could cancel it, a value then disposed of, since the
     * body will not receive it. A cancellation of the coroutine itself wins.
     */
    private <R> R timedOutOr(CoroutineDeadline d, Op<R> op) {
        if (!isCancelled()) {
            CoroutineDeadline expired = CoroutineDeadline.outermostExpired(d);
            if (expired != null) {
                if (!op.isFailed()) {
                    Disposal.dispose(op.valueNow());
                }
                throw expired.timedOut();
            }
        }
        return op.getOrThrow();
    }

    /** A suspending call about to start its operation: refused under an expired deadline. Own thread. */
    void checkDeadline() {
        CoroutineDeadline d = deadline;
        if (d != null) {
            CoroutineDeadline expired = CoroutineDeadline.outermostExpired(d);
            if (expired != null) {
                throw expired.timedOut();
            }
        }
    }

    /** The operation the body is suspended on, or {@code null} (for a deadline's timer). */
    Op<?> suspendedOn() {
        return suspendedOn;
    }

    /**
     * Not API: the loop whose thread carries this coroutine, for {@link Carriers}; called on the
     * coroutine's own thread. After close() began, only while that thread really carries it: a
     * coroutine that outlived its loop is carried by other threads and is no longer loop-confined
     * (see {@link LoopCarrier}).
     */
    @Override
    public Loop carrierLoop() {
        if (carrier == null) {
            return null;
        }
        Loop l = loop();
        return !l.runtime().isClosed() || LoopCarrier.carriedNowBy(l) ? l : null;
    }

    /** Whether the loop's thread carries this coroutine (the loop-affine scheduler). */
    boolean carried() {
        return carrier != null;
    }

    /** Whether the body waits on an operation now (not API: for tests that must cancel a started call). */
    boolean isSuspended() {
        return suspendedOn != null;
    }

    /**
     * Waits for this coroutine to end and returns its value or throws its failure, with the rules of
     * every suspending call: inside a coroutine it suspends; on any other thread it blocks; on a loop
     * thread outside a coroutine it throws {@link dev.weft.core.IllegalBlockingCallException}. Same as
     * {@code owner.await(this)}: it becomes this coroutine's one listener, so join once, and not
     * together with {@code onComplete} or a combinator.
     *
     * @throws IllegalStateException if the coroutine already has its listener (someone else awaits it)
     */
    public T join() {
        return owner.await(this);
    }

    /** The thread carrying this coroutine's body. */
    public Thread thread() {
        return thread;
    }

    @Override
    protected void onCancel() {
        Scope<Object> k = kids;
        if (k != null) {
            k.cancel();
        }
        Op<?> s = suspendedOn;
        if (s != null) {
            cancelInterrupt = NO_INTERRUPT;
            s.cancel();
            return;
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) { // running outside Weft: wake it from whatever blocks it
            cancelInterrupt = INTERRUPTING;
            t.interrupt();
            cancelInterrupt = INTERRUPTED;
        } else {
            cancelInterrupt = NO_INTERRUPT;
        }
    }

    /**
     * On the coroutine's own thread, where its cancellation is delivered as a CancellationException:
     * clears the interrupt that {@link #onCancel()} sent (waiting for one being sent right now), so
     * that it does not leak into what the body does next. Once.
     */
    void consumeCancelInterrupt() {
        int s;
        // A canceller between its result CAS and its decision (or between its write of INTERRUPTING
        // and INTERRUPTED) is a few instructions from a final state: wait for it, so that an interrupt
        // it is about to send cannot outlive the CancellationException the body is about to see.
        while ((s = cancelInterrupt) == INTERRUPTING || s == NOT_INTERRUPTED && isCancelled()) {
            Thread.onSpinWait();
        }
        if (s == INTERRUPTED) {
            cancelInterrupt = CONSUMED;
            Thread.interrupted();
        }
    }

    @Override
    protected void onAbort() {
        // close(): the operation it is suspended on is failed by close() itself, with "runtime closed",
        // which is the error the body should see; nothing to cancel here.
    }

    void startTracking() {
        track();
    }

    private static final java.lang.invoke.VarHandle SUSPENDED_ON;

    static {
        try {
            SUSPENDED_ON = java.lang.invoke.MethodHandles.lookup().findVarHandle(Coroutine.class, "suspendedOn", Op.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
