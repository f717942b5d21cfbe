package dev.weft.futures;

import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.OperationCancelledException;
import dev.weft.core.Promise;
import dev.weft.core.internal.Contexts;
import dev.weft.core.internal.Disposal;
import dev.weft.core.internal.LoopTimers;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@link CompletableFuture} bound to a Weft loop and, usually, to the operation behind it.
 *
 * <ul>
 *   <li>It is completed on the loop thread, so non-async dependents ({@code thenApply},
 *       {@code thenCompose}, ...) run on the loop; the {@code ...Async} variants without an executor
 *       also run on the loop (its {@link #defaultExecutor()}), never on the common pool.</li>
 *   <li>{@link #cancel(boolean)} cancels the operation underneath (a timer stops, an offload is
 *       interrupted), and this future completes cancelled right away, as {@code CompletableFuture}
 *       promises; its dependents then run on the cancelling thread.</li>
 *   <li>{@link #join()} and {@link #get()} on a loop's own thread while not done throw
 *       {@link IllegalBlockingCallException} instead of deadlocking the loop. In a coroutine (a
 *       virtual thread, loop-carried or not) they park it like any blocking call: its carrier,
 *       the loop thread for a loop-affine coroutine, goes on with other work meanwhile.</li>
 *   <li>{@link #orTimeout} and {@link #completeOnTimeout} arm one timer on this future's loop (not
 *       {@code CompletableFuture}'s delayer thread): on expiry the future is completed on the loop, so
 *       its dependents run there, and the stage is then abandoned as if cancelled (below): the
 *       operation underneath is cancelled and a value it delivers late is released. A timer whose
 *       future completes first is cancelled.</li>
 * </ul>
 *
 * <h2>Cancelling a dependent stage</h2>
 * A stage made from this one ({@code thenApply}, {@code thenCompose}, {@code whenComplete},
 * {@code exceptionally}, {@code copy()}, their {@code ...Async} variants, and the receiver side of
 * {@code thenCombine}/{@code applyToEither}) is a <em>dependent</em> of it. The rule:
 * <blockquote>When a stage is <em>abandoned</em> (cancelled, or expired by {@code orTimeout} /
 * {@code completeOnTimeout}) while pending, it stops depending on the stage it was made from; a
 * stage that thereby has no dependent left and no thread waiting in {@code join}/{@code get} is
 * cancelled in turn, up the chain, down to the operation, whose late reply is then released.</blockquote>
 * Counting, precisely: each stage counts the dependents made from it, plus the threads blocked in
 * its {@code join}/{@code get}. A dependent leaves the count only when it is abandoned while pending
 * (a dependent that completes normally stays counted, so it never cancels anything), and the count
 * reaching zero that way cancels the stage. So {@code f.thenApply(a).cancel(true)} cancels {@code f}'s
 * operation when nothing else was made from {@code f}, and leaves it alone when {@code f.thenAccept(b)}
 * (still pending) or a combinator ({@link Futures#all} and the like, which depend on their stages)
 * also depends on it. Not counted: a caller that only holds {@code f} and will read it later
 * ({@code getNow}, {@code isDone}, a dependent attached after the cancellation); hold a dependent
 * ({@code f.copy()}) or do not cancel the last one while you still want {@code f}'s outcome. The other
 * side of a two-stage dependent ({@code thenCombine}'s argument) and the stage a {@code thenCompose}
 * function returned are not cancelled. A value the stage receives as the last dependent is
 * cancelled from another thread can still reach it; it is then its receiver's as usual.
 *
 * @param <T> the value type
 */
public class WeftFuture<T> extends CompletableFuture<T> implements OpListener<T> {
    /**
     * The operation behind this future ({@link #bind}, set once, plain, before the future is published
     * or, in a scope, by the fork that starts it), until then this future's {@link Loop}; or, in a
     * dependent stage ({@link Dependent}, {@link ComposeFuture}), the stage it was made from (set before
     * publication, taken (nulled by CAS) by the one thread that abandons the stage), or {@code null}.
     * One field for all: a future has an operation or a stage it depends on, never both, and a future of
     * an operation finds its loop through the operation, so it needs no field of its own for it (32 bytes
     * with {@link #next} and {@link #dependents}; a dependent stage keeps its loop in a field).
     */
    private volatile Object link;
    /**
     * The fast dependent waiting for this future: a {@link #thenCompose} stage ({@link ComposeFuture}) or
     * a combinator's child promise ({@link #relayTo}); or {@code null}, or {@link #DONE} once this future
     * completed and handed it over, or {@link #UNHOOKED} for a future that {@code CompletableFuture}
     * completes itself (one made by {@link #newIncompleteFuture}), whose completion this class never
     * sees: such a future never takes a fast dependent.
     */
    private volatile Object next;
    /**
     * Dependents made from this stage and not abandoned, plus threads in join/get (see the class
     * comment), except the fast {@link #thenCompose} dependent waiting in {@link #next}, counted by
     * being there (no atomic add per step). Any thread.
     */
    private volatile int dependents;
    /** The count's bits in {@link #dependents}; the two bits above them are flags, set before publication (one int keeps the object at 32 bytes). */
    private static final int COUNT = (1 << 29) - 1;
    /** Flag in {@link #dependents}: see {@link #ownsValue()}. */
    private static final int OWNS_VALUE = 1 << 30;
    /** Flag in {@link #dependents}: see {@link #countedExplicitly()}. */
    private static final int EXPLICIT = 1 << 29;

    WeftFuture(Loop loop) {
        this(loop, false);
    }

    WeftFuture(Loop loop, boolean ownsValue) {
        LINK.set(this, java.util.Objects.requireNonNull(loop, "loop")); // plain: before publication; bind replaces it
        if (ownsValue) {
            DEPENDENTS.set(this, OWNS_VALUE); // plain: before publication
        }
        // What the final loop field this replaced gave: a thread handed this future through a data race
        // still sees its loop (a store-store barrier; no instruction on x86, as for a final field).
        VarHandle.releaseFence();
    }

    /** Binds the operation behind this future, which runs on this future's loop (the loop is then found through it). */
    void bind(Op<?> op) {
        assert op.loop() == loop() : "an operation on " + op.loop() + " for a future of " + loop();
        LINK.set(this, op); // plain: published with the future
    }

    private Op<?> op() {
        return link instanceof Op<?> o ? o : null;
    }

    /** The loop this future completes on. */
    public Loop loop() {
        Object l = link; // a future of an operation: the operation, or the loop until it is bound
        return l instanceof Op<?> o ? o.loop() : (Loop) l;
    }

    /** Core's completion: completes this future, on the loop thread. */
    @Override
    public void onComplete(T value, Throwable failure) {
        if (failure == null) {
            if (!complete(value)) { // cancelled meanwhile: nobody will receive the value
                if (ownsValue()) {
                    Disposal.dispose(value);
                } else {
                    Disposal.release(value);
                }
            }
        } else {
            completeExceptionally(failure);
        }
    }

    /**
     * Cancels this stage: the operation underneath (a timer stops, an offload is interrupted, a request
     * is cancelled and its late reply released), and, for a dependent stage, the stage it was made from
     * when nothing else depends on that (see the class comment). May be called from any thread.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        Op<?> o = op();
        if (o != null) {
            o.cancel();
        }
        // As CompletableFuture.cancel (a CancellationException as the outcome; true if cancelled, by this
        // call or before), but with Weft's stackless cancellation: the JDK's fills in a stack trace per
        // cancelled stage, the largest cost of cancelling the nine losers of an any of ten. The same
        // message as the operation's own cancellation, which races this one to complete the future.
        boolean won = completeExceptionallyQuietly(new OperationCancelledException("operation cancelled"));
        if (won) {
            fireNext(); // only the completer hands the fast dependent on (see takeNext)
        }
        boolean cancelled = won || isCancelled();
        if (cancelled) {
            abandoned();
        }
        return cancelled;
    }

    /**
     * Completes this future exceptionally with a {@link TimeoutException} (its message names the
     * timeout) unless it completes first; then cancels the operation underneath, or abandons the stage
     * this one depends on (see the class comment). Unlike {@code CompletableFuture}'s, the timer is
     * this future's loop's and the future is completed on the loop, so its dependents run there; the
     * timer is cancelled when the future completes first. May be called from any thread.
     *
     * @param timeout how long to wait, in {@code unit}; {@code >= 0}
     * @return this future
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    @Override
    public WeftFuture<T> orTimeout(long timeout, TimeUnit unit) {
        arm(timeout, unit, false, null);
        return this;
    }

    /**
     * Completes this future with {@code value} unless it completes within {@code timeout}; then cancels
     * the operation underneath (whose late value, reaching nobody, is released), or abandons the stage
     * this one depends on (see the class comment). The timer is this future's loop's, the future is
     * completed on the loop; the timer is cancelled when the future completes first. {@code value}
     * stays the caller's when it is not used. May be called from any thread.
     *
     * @param timeout how long to wait, in {@code unit}; {@code >= 0}
     * @return this future
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    @Override
    public WeftFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
        arm(timeout, unit, true, value);
        return this;
    }

    private void arm(long timeout, TimeUnit unit, boolean hasValue, T value) {
        java.util.Objects.requireNonNull(unit, "unit: null (expected: non-null)");
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout: " + timeout + " " + unit + " (expected: >= 0)");
        }
        if (isDone()) {
            return;
        }
        Deadline<T> d = new Deadline<>(this, Duration.of(timeout, unit.toChronoUnit()), hasValue, value);
        d.timer = LoopTimers.arm(loop(), unit.toNanos(timeout), d); // the runtime's clock (virtual in tests)
        super.whenComplete(d); // stops the timer; not a dependent that keeps the stage alive:
        DEPENDENTS.getAndAdd(this, -1);
    }

    /** The timer of {@link #orTimeout}/{@link #completeOnTimeout}: fires on the loop; stopped when the future completes. */
    private static final class Deadline<T> implements Runnable, BiConsumer<Object, Throwable> {
        private final WeftFuture<T> future;
        private final Duration timeout;
        private final boolean hasValue;
        private final T value;
        /** Written before the completion hook is attached, which reads it. */
        volatile java.util.concurrent.ScheduledFuture<?> timer;

        Deadline(WeftFuture<T> future, Duration timeout, boolean hasValue, T value) {
            this.future = future;
            this.timeout = timeout;
            this.hasValue = hasValue;
            this.value = value;
        }

        @Override
        public void run() {
            boolean won = hasValue ? future.complete(value) : future.completeExceptionally(new TimeoutException(
                    "timed out after " + timeout.toMillis() + " ms (" + timeout + "); its operation was cancelled"));
            if (won) {
                future.expired();
            }
        }

        @Override
        public void accept(Object v, Throwable e) {
            java.util.concurrent.ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }
    }

    /** A timeout completed this stage: what it waited for is abandoned, like a cancellation. */
    private void expired() {
        Op<?> o = op();
        if (o != null) {
            o.cancel(); // its listener, this future, is done: a late value is released
        }
        abandoned();
    }

    /** This stage ended without waiting for the one it was made from: that one loses a dependent. */
    private void abandoned() {
        if (link instanceof WeftFuture<?> up && LINK.compareAndSet(this, up, null)) {
            up.dependentGone(countedExplicitly());
        }
    }

    /**
     * A dependent of this stage was abandoned while pending. One counted in {@link #dependents}
     * ({@code explicit}) leaves the count; the fast {@link #thenCompose} dependent waiting in
     * {@link #next} is counted by being there with this stage as its {@link #link}, and left by
     * taking its link (done by the caller). Whichever of two leaving at once comes second sees the
     * other gone (each writes, by CAS or atomic add, and then reads the other's), so the stage is
     * cancelled when the last one leaves (at worst twice, which is harmless).
     */
    private void dependentGone(boolean explicit) {
        if (explicit) {
            if (((int) DEPENDENTS.getAndAdd(this, -1) & COUNT) == 1 && !fastDependentCounted() && !isDone()) {
                cancel(false);
            }
        } else if ((dependents & COUNT) == 0 && !isDone()) {
            cancel(false);
        }
    }

    /**
     * Whether the fast dependent in {@link #next} depends on this stage and was not abandoned (see
     * dependentGone): a compose stage until it is; a combinator's promise always (it cancels this
     * stage itself when it gives up on it, as the {@code whenComplete} dependent it replaces never left).
     */
    private boolean fastDependentCounted() {
        Object n = next;
        return n instanceof ComposeFuture<?, ?> c ? ((WeftFuture<?>) c).link == this : n instanceof Promise<?>;
    }

    /** Whether this stage, a dependent, is counted in its upstream's {@link #dependents}; see {@link ComposeFuture}. */
    boolean countedExplicitly() {
        return !(this instanceof ComposeFuture) || (dependents & EXPLICIT) != 0;
    }

    /** Marks this unpublished {@link ComposeFuture} as counted in its upstream's {@link #dependents}. */
    final void countExplicitly() {
        DEPENDENTS.set(this, (int) DEPENDENTS.get(this) | EXPLICIT); // plain: before publication
    }

    /**
     * Whether the value was made for this future alone (a connect's connection, a bind's server, a
     * combinator's result): then one that reaches it after a cancel is closed, not only released.
     */
    private boolean ownsValue() {
        return (dependents & OWNS_VALUE) != 0;
    }

    /**
     * The loop, carrying the context current where a task is handed to it: an {@code ...Async}
     * dependent without an executor runs on the loop with the context of the operation it depends on
     * (see {@link dev.weft.core.WeftContext}).
     */
    @Override
    public Executor defaultExecutor() {
        return new InContextOf(loop());
    }

    /** Hands a task to the loop with the context of the thread that hands it (nothing extra when none). */
    private record InContextOf(Loop loop) implements Executor {
        @Override
        public void execute(Runnable task) {
            loop.execute(Contexts.wrap(task));
        }
    }

    /** A dependent stage: completes on this loop, counted as depending on this one (see the class comment). */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        WeftFuture<U> d = new Dependent<>(loop());
        LINK.set(d, this); // plain: published by CompletableFuture's push of the dependent
        NEXT.set(d, UNHOOKED); // completed inside CompletableFuture, where no hook of ours runs
        DEPENDENTS.getAndAdd(this, 1);
        return d;
    }

    /**
     * A stage made from another ({@link #newIncompleteFuture}, and {@link ComposeFuture} for
     * {@link #thenCompose}): its {@link #link} is the stage it was made from, so it keeps its loop in a
     * field (free: the object is 40 bytes either way, as 8-byte alignment rounds its 36 up).
     */
    static class Dependent<U> extends WeftFuture<U> {
        private final Loop loop;

        Dependent(Loop loop) {
            super(loop);
            this.loop = loop;
        }

        @Override
        public final Loop loop() {
            return loop;
        }
    }

    // ------------------------------------------------------------------ thenCompose's fast path
    //
    // CompletableFuture's thenCompose allocates a UniCompose node on this future's stack and, when the
    // function's stage is pending, a UniRelay node on that stage's stack. When every completion of a
    // future goes through this class's own methods (a future of an operation: onComplete, complete,
    // cancel, ...; not one CompletableFuture completes internally), the dependent itself waits in the
    // future's one-slot `next` instead: no node, the same results (see ComposeFuture).

    /**
     * As {@link CompletableFuture#thenCompose}: the same results (an exception wrapped in a
     * {@link CompletionException} as there), the returned stage a dependent of this one (see the class
     * comment). Allocates less than {@code CompletableFuture}'s when this future is one of an
     * operation and {@code fn} returns such a future or another {@code thenCompose} stage.
     */
    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        if (fn == null) {
            throw new NullPointerException();
        }
        Object n = next;
        if (n != null && n != DONE) { // completed inside CompletableFuture, or a fast dependent already waits
            return super.thenCompose(fn);
        }
        ComposeFuture<T, U> d = new ComposeFuture<>(loop(), fn);
        LINK.set(d, this); // plain: published by the CAS below or by the task that waits
        if (n == DONE || !await(d)) {
            d.countExplicitly();
            DEPENDENTS.getAndAdd(this, 1);
            if (next == DONE) { // completed: run it here, as CompletableFuture does
                fireFrom(d, this);
            } else { // another fast dependent took the slot meanwhile: this one waits the ordinary way
                d.waitFor(this);
            }
        }
        return d;
    }

    /**
     * Makes {@code c} wait in this future's slot, to be fired when this future completes: false when
     * this future is done, one it does not complete itself, or another dependent waits there.
     */
    final boolean await(ComposeFuture<?, ?> c) {
        return next == null && NEXT.compareAndSet(this, null, c);
    }

    /**
     * This future completed (through this class) and the caller is the one thread that completed it:
     * hands it to the fast dependent waiting, if one does.
     */
    final void fireNext() {
        if (next == UNHOOKED) {
            return;
        }
        Object n = takeNext();
        if (n instanceof ComposeFuture<?, ?> c) {
            fireFrom(c, this);
        } else if (n instanceof Promise<?> p) {
            tell(p);
        }
    }

    /**
     * Takes the fast dependent waiting in {@link #next}, leaving {@link #DONE}; for the one thread that
     * completed this future (won its result CAS: every caller of {@link #fireNext} and {@link #fireFrom}
     * is that thread), so no other thread takes a dependent out of the slot, and only a registration
     * (a CAS from {@code null}) competes. With a dependent waiting, as on every step of a
     * {@code thenCompose} chain, that costs a volatile read and a release store instead of an atomic
     * exchange (a locked instruction, ~7 ns): a registrar that still sees the taken dependent finds
     * the slot taken and goes the ordinary way, which is right for a done future too. With none, the
     * CAS to {@link #DONE} decides against a registration: the registrar that loses sees
     * {@link #DONE} and runs its dependent itself; the one that wins is taken here.
     */
    private Object takeNext() {
        Object n = next;
        if (n == null) {
            if (NEXT.compareAndSet(this, null, DONE)) {
                return null;
            }
            n = next; // a dependent registered meanwhile; nobody else takes it
        }
        NEXT.setRelease(this, DONE);
        return n;
    }

    /**
     * A combinator's child promise follows this future (see {@link Futures}' bridge): it waits in the
     * fast slot, so it makes no {@code CompletableFuture} dependent (no dependent stage, and none of the
     * {@link CompletionException}, with its stack trace, that the JDK stores in a {@code whenComplete}
     * stage when this one fails or is cancelled, as every loser of an any is). It receives what
     * {@code whenComplete} would hand a {@link dev.weft.core.internal.Completer}, on the same thread:
     * the completing one, or the caller's when this future is done already. It counts as a dependent
     * of this stage (see the class comment) for good, as that {@code whenComplete} stage did.
     *
     * @return false when the slot cannot take it (a future completed inside {@code CompletableFuture},
     *     or another fast dependent waits there): then the caller attaches it the ordinary way
     */
    final boolean relayTo(Promise<T> p) {
        Object n = next;
        if (n == null && NEXT.compareAndSet(this, null, p)) {
            return true; // fireNext tells it
        }
        if (next == DONE) {
            tell(p);
            return true;
        }
        return false;
    }

    /**
     * Tells {@code p} this done future's outcome: the value, or the failure as {@code Completer} would
     * pass it on from {@code whenComplete} (a {@link CompletionException} unwrapped to its cause). For
     * a cancelled future whose promise already ended (a combinator's loser, cancelled by the promise
     * itself) the failure reaches nobody: a stackless stand-in loses the race as the real one would.
     *
     * <p>The outcome is read in two steps (its state, then the value or failure), and an
     * {@link #obtrudeValue}/{@link #obtrudeException} from another thread can replace it in between:
     * the second read then throws {@link IllegalStateException}, and the outcome is read again, so
     * {@code p} always gets one (the replacement), never nothing.
     */
    @SuppressWarnings("unchecked")
    private void tell(Promise<?> p) {
        Promise<T> mine = (Promise<T>) p;
        T value = null;
        Throwable failure;
        while (true) {
            State s = state();
            if (s == State.RUNNING) { // every caller runs after this future completed, and obtrude never undoes that
                throw new IllegalStateException("told while pending: " + this);
            }
            try {
                switch (s) {
                    case SUCCESS -> {
                        value = resultNow();
                        failure = null;
                    }
                    case FAILED -> failure = exceptionNow(); // exceptionNow unwraps as Completer does
                    default -> failure = mine.isDone() ? LOST : cancellation();
                }
                break;
            } catch (IllegalStateException overwritten) {
                // obtruded between state() and the read (done all along): read the new outcome
            }
        }
        if (failure == null) {
            mine.succeed(value);
        } else {
            mine.failWith(failure);
        }
    }

    /** The cancellation this future completed with (getNow wraps it, on newer JDKs, as its cause). */
    private Throwable cancellation() {
        try {
            getNow(null);
        } catch (CancellationException e) {
            return e.getCause() instanceof CancellationException c ? c : e;
        }
        throw new IllegalStateException("not cancelled: " + this);
    }

    /**
     * Runs {@code c}, whose source {@code src} completed, and then, in a loop rather than recursively
     * (a chain of relays can be as long as the program's loop of steps), the fast dependents of every
     * stage that completes as a result.
     */
    private static void fireFrom(ComposeFuture<?, ?> c, WeftFuture<?> src) {
        while (c != null) {
            WeftFuture<?> completed = c.fire(src);
            if (completed == null) {
                return;
            }
            Object n = completed.takeNext(); // completed here, by this thread
            if (n instanceof Promise<?> p) {
                completed.tell(p);
            }
            c = n instanceof ComposeFuture<?, ?> cc ? cc : null;
            src = completed;
        }
    }

    /**
     * Completes this future without firing its fast dependent (the caller hands that on); as
     * {@code CompletableFuture}'s own completion, it runs the ordinary dependents.
     */
    final boolean completeQuietly(T value) {
        return super.complete(value);
    }

    /** As {@link #completeQuietly}, exceptionally. */
    final boolean completeExceptionallyQuietly(Throwable failure) {
        return super.completeExceptionally(failure);
    }

    /**
     * Completes this future quietly with what {@code CompletableFuture} relays of done stage
     * {@code g} to a dependent: its value, or its exception as a {@link CompletionException} (the
     * same one when it is one already).
     */
    @SuppressWarnings("unchecked")
    final boolean relayQuietly(CompletableFuture<?> g) {
        Object v;
        try {
            v = g.getNow(null);
        } catch (CompletionException e) { // CompletableFuture's own wrapper (or the stored one)
            return completeExceptionallyQuietly(e);
        } catch (CancellationException e) { // getNow wraps the stored one as its cause
            Throwable x = e.getCause() instanceof CancellationException c ? c : e;
            return completeExceptionallyQuietly(wrap(x));
        }
        return completeQuietly((T) v);
    }

    /** The {@link CompletionException} {@code CompletableFuture} stores for {@code x} in a dependent. */
    static CompletionException wrap(Throwable x) {
        if (x instanceof CompletionException ce) {
            return ce;
        }
        String message;
        Throwable suppressed;
        try {
            message = x.toString();
            suppressed = null;
        } catch (Throwable unknown) {
            message = "";
            suppressed = unknown;
        }
        CompletionException w = new CompletionException(message, x);
        if (suppressed != null) {
            w.addSuppressed(suppressed);
        }
        return w;
    }

    // Completion paths: each fires the fast dependent (CompletableFuture runs its own dependents inside).

    /** As {@link CompletableFuture#complete}; then hands this future to a {@link #thenCompose} dependent waiting. */
    @Override
    public boolean complete(T value) {
        boolean won = super.complete(value);
        if (won) {
            fireNext();
        }
        return won;
    }

    /** As {@link CompletableFuture#completeExceptionally}; then hands this future to a {@link #thenCompose} dependent waiting. */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean won = super.completeExceptionally(ex);
        if (won) {
            fireNext();
        }
        return won;
    }

    /**
     * As {@link CompletableFuture#obtrudeValue}: on a pending future, an ordinary completion (its
     * {@link #thenCompose} dependent then runs); on a done one, the outcome is overwritten (the
     * dependent was handed the first one, as {@code CompletableFuture}'s own dependents were).
     */
    @Override
    public void obtrudeValue(T value) {
        if (!complete(value)) {
            super.obtrudeValue(value);
        }
    }

    /** As {@link #obtrudeValue}, exceptionally. */
    @Override
    public void obtrudeException(Throwable ex) {
        if (ex == null) {
            throw new NullPointerException();
        }
        if (!completeExceptionally(ex)) {
            super.obtrudeException(ex);
        }
    }

    /**
     * As {@link CompletableFuture#completeAsync(Supplier, Executor)}: completes this future with
     * {@code supplier}'s value, or its exception wrapped in a {@link CompletionException}, from a task
     * run by {@code executor}.
     */
    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        if (supplier == null || executor == null) {
            throw new NullPointerException();
        }
        executor.execute(new AsyncSupply<>(this, supplier));
        return this;
    }

    /** {@link #completeAsync}'s task, through this class's completion (so a fast dependent fires). */
    private record AsyncSupply<T>(WeftFuture<T> future, Supplier<? extends T> supplier)
            implements Runnable, CompletableFuture.AsynchronousCompletionTask {
        @Override
        public void run() {
            if (!future.isDone()) {
                T v;
                try {
                    v = supplier.get();
                } catch (Throwable ex) {
                    future.completeExceptionally(wrap(ex));
                    return;
                }
                future.complete(v);
            }
        }
    }

    @Override
    public T join() {
        checkNotOnLoop("WeftFuture.join()");
        if (isDone()) {
            return super.join();
        }
        DEPENDENTS.getAndAdd(this, 1);
        try {
            return super.join();
        } finally {
            DEPENDENTS.getAndAdd(this, -1);
        }
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkNotOnLoop("WeftFuture.get()");
        if (isDone()) {
            return super.get();
        }
        DEPENDENTS.getAndAdd(this, 1);
        try {
            return super.get();
        } finally {
            DEPENDENTS.getAndAdd(this, -1);
        }
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        checkNotOnLoop("WeftFuture.get(timeout)");
        if (isDone()) {
            return super.get(timeout, unit);
        }
        DEPENDENTS.getAndAdd(this, 1);
        try {
            return super.get(timeout, unit);
        } finally {
            DEPENDENTS.getAndAdd(this, -1);
        }
    }

    /**
     * Refuses to block a loop's own platform thread. A virtual thread that a loop carries
     * ({@code isLoopThread()} counts it) parks instead and frees its carrier: let it wait.
     */
    private void checkNotOnLoop(String what) {
        if (!isDone() && !Thread.currentThread().isVirtual() && loop().runtime().isLoopThread()) {
            throw new IllegalBlockingCallException(what);
        }
    }

    // VarHandle mechanics
    private static final VarHandle DEPENDENTS;
    private static final VarHandle LINK;
    private static final VarHandle NEXT;
    /** {@link #next} once this future completed. */
    private static final Object DONE = new Object();
    /** {@link #next} of a future {@code CompletableFuture} completes itself: never takes a fast dependent. */
    private static final Object UNHOOKED = new Object();
    /** What {@link #tell} hands a promise that ended already: it loses, nobody sees it (stackless). */
    private static final CancellationException LOST = new OperationCancelledException("operation cancelled");

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DEPENDENTS = l.findVarHandle(WeftFuture.class, "dependents", int.class);
            LINK = l.findVarHandle(WeftFuture.class, "link", Object.class);
            NEXT = l.findVarHandle(WeftFuture.class, "next", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
