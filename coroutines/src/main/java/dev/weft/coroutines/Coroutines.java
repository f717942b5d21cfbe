package dev.weft.coroutines;

import dev.weft.core.CloseParticipant;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Ops;
import dev.weft.core.Repeat;
import dev.weft.core.Scope;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.Carriers;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.LoopTimers;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.core.tcp.TcpOptions;
import dev.weft.core.tcp.TcpServer;
import dev.weft.coroutines.internal.LoopCarriers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Weft in coroutine style: code that reads sequentially, running on virtual threads. Suspending
 * calls ({@link #delay}, {@link #submit}, {@link #await}, {@link #all}, ...) park the coroutine until
 * the operation completes on its loop, then return its value or throw its failure.
 *
 * <pre>{@code
 * Coroutines co = Coroutines.of(runtime);            // loop-affine when available
 * Coroutine<Integer> c = co.launch(() -> {
 *     int answer = co.submit(() -> 6 * 7);
 *     co.delay(Duration.ofMillis(10));
 *     return answer;
 * });
 * }</pre>
 *
 * <p>Failures: a suspending call throws the operation's failure, unchecked exceptions as they are and
 * checked ones wrapped in {@link java.util.concurrent.CompletionException}; a cancelled coroutine's
 * suspending calls throw {@link java.util.concurrent.CancellationException}. A suspending call made
 * on a loop thread outside a coroutine throws {@link IllegalBlockingCallException} (it would
 * deadlock); from any other thread outside a coroutine it simply blocks that thread.
 *
 * <p>Scheduler: see {@link CoroutineScheduler}. {@link #scheduler()} says which one is in effect.
 *
 * <p>TCP: {@link #connect}, {@link #request}, {@link #send}, {@link #close(TcpConnection)} suspend
 * like every other call (pipeline by making requests from several coroutines); {@link #serve} runs
 * each request of a {@link CoroutineRequestHandler} in its own coroutine on its connection's loop.
 * See {@link dev.weft.core.tcp} for the wire format, buffer ownership and limits.
 */
public final class Coroutines implements CloseParticipant {
    private static final Logger log = LoggerFactory.getLogger(Coroutines.class);
    private static final AtomicBoolean WARNED_FALLBACK = new AtomicBoolean();

    private final WeftRuntime runtime;
    private final CoroutineScheduler requested;
    private final CoroutineScheduler scheduler;
    private final String fallbackReason;
    /** Per loop for LOOP_AFFINE; one shared factory for DEFAULT. */
    private final ThreadFactory[] factories;
    /** The scheduler of each loop's coroutines for LOOP_AFFINE (by loop index); null for DEFAULT. */
    private final LoopCarrier[] carriers;
    private final LoopCounters[] perLoop;
    /** {@code weft.style.ops{style=coroutines}}: suspending calls and timers started; {@code null} without a registry. */
    private final Counter opsStarted;

    private final AtomicInteger live = new AtomicInteger();
    final UnobservedFailures unobserved = new UnobservedFailures(this);
    private final Object quiescence = new Object();
    /** Set while close() waits in {@link #awaitQuiescence} (any thread writes; a coroutine's end reads). */
    private volatile boolean closerWaiting;
    /**
     * The threads of the live coroutines, kept only on a runtime with a virtual clock (else
     * {@code null}: no cost per launch): its settling asks whether any of them still runs.
     */
    private final Set<Thread> liveThreads;

    private Coroutines(WeftRuntime runtime, CoroutineScheduler requested) {
        this.runtime = runtime;
        this.requested = requested;
        String why = null;
        if (requested == CoroutineScheduler.LOOP_AFFINE && !LoopCarriers.available()) {
            why = LoopCarriers.unavailableReason();
            if (WARNED_FALLBACK.compareAndSet(false, true)) {
                log.warn("Weft coroutines: LOOP_AFFINE scheduler unavailable, using DEFAULT (every resume hops"
                        + " threads): {}", why);
            }
        }
        this.fallbackReason = why;
        this.scheduler = why == null ? requested : CoroutineScheduler.DEFAULT;
        List<Loop> loops = runtime.loops();
        if (scheduler == CoroutineScheduler.LOOP_AFFINE) {
            factories = new ThreadFactory[loops.size()];
            carriers = new LoopCarrier[loops.size()];
            for (Loop l : loops) {
                carriers[l.index()] = new LoopCarrier(l);
                factories[l.index()] = LoopCarriers.factory(carriers[l.index()]);
            }
        } else {
            factories = new ThreadFactory[] {Thread.ofVirtual().factory()};
            carriers = null;
        }
        perLoop = new LoopCounters[loops.size()];
        for (int i = 0; i < perLoop.length; i++) {
            perLoop[i] = new LoopCounters();
        }
        if (LoopTimers.onVirtualTime(runtime)) {
            liveThreads = ConcurrentHashMap.newKeySet();
            LoopTimers.addSettleProbe(runtime, this::anyCoroutineRunning);
        } else {
            liveThreads = null;
        }
        runtime.addCloseParticipant(this);
        runtime.meterRegistry().ifPresent(this::registerMeters);
        this.opsStarted = runtime.meterRegistry()
                .map(r -> Counter.builder("weft.style.ops").description("operations started through a style's facade")
                        .tags("runtime", runtime.name(), "style", "coroutines").register(r))
                .orElse(null);
    }

    /**
     * Coroutines on {@code runtime} with the scheduler its builder chose
     * ({@link WeftRuntime.Builder#coroutineScheduler}, loop-affine by default, when this JVM allows
     * it: see {@link #scheduler()}).
     */
    public static Coroutines of(WeftRuntime runtime) {
        return of(runtime, Checks.notNull(runtime, "runtime").coroutineScheduler());
    }

    /**
     * Coroutines on {@code runtime} with the scheduler asked for; LOOP_AFFINE falls back to DEFAULT
     * (one WARN log line per JVM) when the JVM does not allow it.
     */
    public static Coroutines of(WeftRuntime runtime, CoroutineScheduler scheduler) {
        return new Coroutines(Checks.notNull(runtime, "runtime"), Checks.notNull(scheduler, "scheduler"));
    }

    /** The scheduler in effect. */
    public CoroutineScheduler scheduler() {
        return scheduler;
    }

    /** The scheduler asked for. */
    public CoroutineScheduler requestedScheduler() {
        return requested;
    }

    /** Why LOOP_AFFINE was asked for and not given, or {@code null}. */
    public String fallbackReason() {
        return fallbackReason;
    }

    /** Whether loop-carried coroutines are possible in this JVM (the flag is there, the JDK has the seam). */
    public static boolean loopAffineAvailable() {
        return LoopCarriers.available();
    }

    /** The runtime these coroutines run on. */
    public WeftRuntime runtime() {
        return runtime;
    }

    // ---------------------------------------------------------------- launching

    /**
     * Starts {@code body} as a coroutine on the caller's loop, or the next loop round-robin.
     *
     * <p>Launched inside a coroutine (of this runtime), the new one is that coroutine's child, as in
     * kotlinx: cancelling the parent cancels it, and the parent completes only after it has ended
     * (the parent's body returns, then waits for its children; a parent whose body fails, or which is
     * cancelled, cancels them first). A child's failure goes to whoever takes the child's outcome (it
     * does not cancel the parent: for that, launch it in a {@link #scope}). Launched directly in the
     * body of a {@link #scope}, it is a child of that scope. Outside any coroutine, and with
     * {@link #launchDetached}, it belongs to nobody.
     */
    public <T> Coroutine<T> launch(Callable<? extends T> body) {
        return launch(homeLoop(), body);
    }

    /**
     * Starts {@code body} as a coroutine that belongs to nobody, even when launched inside a
     * coroutine: cancelling the launcher does not reach it, and the launcher does not wait for it.
     * For the rare work that must outlive what started it (a background refresher started by a
     * request); it still ends at the runtime's close. Otherwise as {@link #launch(Callable)}.
     */
    public <T> Coroutine<T> launchDetached(Callable<? extends T> body) {
        return launchDetached(homeLoop(), body);
    }

    /** {@link #launchDetached(Callable)} on {@code loop}. */
    public <T> Coroutine<T> launchDetached(Loop loop, Callable<? extends T> body) {
        return start(loop, body, false, null, null, null);
    }

    /**
     * Starts {@code body} as a coroutine whose operations run on {@code loop}.
     *
     * <p>Its outcome is meant to be taken: awaited ({@link #await}), combined, or given a listener. A
     * failure that nothing takes is logged once (WARN, with its stack) and counted
     * ({@link CoroutineStats#unobservedFailures()}), when the coroutine has become unreachable or at
     * the latest when the runtime closes; a cancellation, the runtime's closing, and the failure of a
     * coroutine that had a listener when it failed or was awaited later are never reported. A
     * listener attached with {@code onComplete} after the body failed is seen only until the
     * coroutine is dropped: attach it before, or await with {@link #await}.
     */
    public <T> Coroutine<T> launch(Loop loop, Callable<? extends T> body) {
        return launch(loop, body, false, null);
    }

    /**
     * Starts a coroutine whose outcome has a known taker: {@code consumerKnown} (a combinator's
     * child, whose listener is attached right after) or a {@code listener} given to it up front (an
     * adapter's: it can never miss the outcome, whenever the body ends).
     */
    <T> Coroutine<T> launch(Loop loop, Callable<? extends T> body, boolean consumerKnown, OpListener<? super T> listener) {
        Coroutine<?> parent = current();
        Scope<?> owner = parent != null && parent.owner.runtime == runtime ? parent.ownerOfChildren() : null;
        return start(loop, body, consumerKnown, listener, owner, null);
    }

    /**
     * Starts a coroutine owned by {@code owner} (a child of that scope), or by nobody. With
     * {@code bodyOf}, it is the body of that scope: what it launches belongs to the scope, and its end
     * gives the scope its result.
     */
    @SuppressWarnings("unchecked")
    private <T> Coroutine<T> start(Loop loop, Callable<? extends T> body, boolean consumerKnown,
            OpListener<? super T> listener, Scope<?> owner, Scope<T> bodyOf) {
        Checks.ownLoop(runtime, loop);
        Checks.notNull(body, "body");
        runtime.ensureOpen();
        // a fail-fast scope takes its children's failures: they are observed
        boolean taken = consumerKnown || bodyOf != null || owner != null && owner.policy() == Scope.Policy.FAIL_FAST;
        Coroutine<T> c = new Coroutine<>(this, loop, carriers != null ? carriers[loop.index()] : null, taken,
                listener, body);
        if (bodyOf != null) {
            c.bodyOf = bodyOf;
            Scope.Child<T> slot = bodyOf.body();
            slot.bind(c);
            c.link = (Scope.Child<Object>) slot;
        } else if (owner != null) {
            Scope.Child<Object> slot = owner.child(null);
            slot.bind(c);
            c.link = slot;
        }
        ThreadFactory f = factories.length == 1 && scheduler == CoroutineScheduler.DEFAULT
                ? factories[0] : factories[loop.index()];
        Thread t = f.newThread(() -> run(c));
        c.thread = t;
        if (liveThreads != null) {
            liveThreads.add(t);
        }
        live.incrementAndGet();
        perLoop[loop.index()].started.increment();
        c.startTracking();
        t.start();
        return c;
    }

    private void run(Coroutine<?> c) {
        Carriers.bind(c);
        boolean carried = c.carried();
        if (carried) {
            Carriers.carrying(c.loop(), Thread.currentThread()); // for the blocked-loop detector
        }
        try {
            c.runBody();
        } finally {
            if (carried) {
                Carriers.carrying(c.loop(), null);
            }
            Scope.Child<Object> link = c.link;
            if (link != null) { // it has ended, with its own children: tell the scope that owns it
                link.onComplete(c.valueForScope(), c.failureForScope());
            }
            perLoop[c.loop().index()].completed.increment();
            if (liveThreads != null) {
                liveThreads.remove(Thread.currentThread());
            }
            int left = live.decrementAndGet();
            if (left == 0 || (left == 1 && closerWaiting)) { // 1: the last one may be the closer itself
                synchronized (quiescence) {
                    quiescence.notifyAll();
                }
            }
        }
    }

    /**
     * For the virtual clock's settling: whether a coroutine may still run without virtual time
     * passing. A coroutine parked with no timeout (suspended on an operation, or waiting on a lock or
     * latch) counts as idle; runnable, running, blocked or parked with a timeout counts as running. One
     * not yet started (NEW) is idle: whoever launches it is running until {@code launch} returns.
     */
    private boolean anyCoroutineRunning() {
        for (Thread t : liveThreads) {
            Thread.State s = t.getState();
            if (s == Thread.State.RUNNABLE || s == Thread.State.BLOCKED || s == Thread.State.TIMED_WAITING) {
                return true;
            }
        }
        return false;
    }

    /** The coroutine running on the current thread, or {@code null}. */
    public static Coroutine<?> current() {
        return Carriers.binding() instanceof Coroutine<?> c ? c : null;
    }

    /**
     * The coroutine making a suspending call, or {@code null} outside one. A cancelled coroutine's
     * call throws here, before it starts anything: an operation started and then cancelled could
     * already have taken effect on its loop (a close would have closed). So does a call past its
     * {@link #withTimeout} deadline, with {@link OperationTimeoutException}.
     */
    private static Coroutine<?> caller() {
        Coroutine<?> c = current();
        if (c != null) {
            if (c.isCancelled()) {
                c.consumeCancelInterrupt();
                throw new CancellationException("coroutine cancelled: its later suspending calls start nothing");
            }
            c.checkDeadline();
        }
        return c;
    }

    // ---------------------------------------------------------------- repeating timers

    /**
     * Starts a repeating timer at a fixed rate: {@code tick} runs on the loop (the caller's, or the
     * next one) every {@code period}, the first time after one period. Not a suspending call: it
     * returns the timer's operation, which never succeeds; {@code co.await(timer)} suspends until it
     * ends (cancelled, the tick's exception, or {@link dev.weft.core.RuntimeClosedException} at close),
     * and cancelling it stops the timer. The tick must not block. For a tick that suspends, write the
     * loop yourself: {@code while (true) { co.delay(period); work(); }}. See {@link Loop#every}.
     */
    public Op<Void> every(Duration period, Runnable tick) {
        return every(period, period, Repeat.FIXED_RATE, tick);
    }

    /** A repeating timer; {@code repeat} says whether ticks keep a fixed rate or a fixed gap. See {@link #every(Duration, Runnable)}. */
    public Op<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick) {
        return started(homeLoop().every(initialDelay, period, repeat, tick, null));
    }

    // ---------------------------------------------------------------- suspending calls

    /** Suspends for {@code delay} (a loop timer). */
    public void delay(Duration delay) {
        Checks.notNegative(delay, "delay");
        suspendOrWait("Coroutines.delay()", delay, null, (loop, d, unused, l) -> loop.delay(d, l));
    }

    /** Runs {@code task} on the loop after {@code delay}; suspends until it has run. */
    public <T> T schedule(Duration delay, Callable<? extends T> task) {
        Checks.notNegative(delay, "delay");
        Checks.notNull(task, "task");
        return suspendOrWait("Coroutines.schedule()", delay, task, (loop, d, t, l) -> loop.<T>schedule(d, t, l));
    }

    /** Runs {@code task} on the loop on a later turn; suspends until it has run. */
    public <T> T submit(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        return suspendOrWait("Coroutines.submit()", task, null, (loop, t, unused, l) -> loop.<T>submit(t, l));
    }

    /**
     * Runs {@code task} on the loop's next iteration (after it polled I/O); suspends until it has run.
     * A coroutine carried by its loop waits yielded, not parked (the tick's own run-queue entry resumes
     * it): a thread dump shows it RUNNABLE meanwhile, and a cancellation that arrives then takes effect
     * at the tick's turn. Everything else is as for any suspending call.
     */
    public <T> T tick(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        Coroutine<?> c = caller();
        if (c != null) {
            return c.tick(task, this); // a loop-carried coroutine yields and the tick resumes it (Coroutine.tick)
        }
        return suspendOrWait("Coroutines.tick()", task, null, (loop, t, unused, l) -> loop.<T>tick(t, l));
    }

    /** Runs blocking {@code task} on the worker pool; suspends until it is done (the way out for blocking work). */
    public <T> T offload(Callable<? extends T> task) {
        Checks.notNull(task, "task");
        return suspendOrWait("Coroutines.offload()", task, null, (loop, t, unused, l) -> loop.<T>offload(t, l));
    }

    /**
     * Suspends until {@code op} completes (its one listener becomes this wait). An operation that has
     * already completed returns its outcome at once, also to a cancelled coroutine (there is nothing
     * left to cancel); a pending one awaited by a cancelled coroutine is cancelled.
     */
    public <T> T await(Op<T> op) {
        Checks.notNull(op, "op");
        Coroutine<?> c = current();
        if (op.isDone()) {
            if (op instanceof Coroutine<?> done) {
                done.outcomeTaken();
            }
            return op.getOrThrow();
        }
        if (op instanceof Coroutine<?> awaited) {
            awaited.outcomeTaken(); // awaited now: a failure that comes before the wait starts is taken too
        }
        if (c != null) {
            op.onComplete(c.resumer);
            return c.suspend(op);
        }
        ThreadWaiter w = outside("Coroutines.await()");
        op.onComplete(w);
        return w.await(op);
    }

    /**
     * {@link #await(Op)} with a deadline: returns {@code op}'s outcome if it completes within
     * {@code timeout}; otherwise cancels {@code op} (a value it delivers late is disposed of: a buffer
     * released, a connection closed) and throws {@link OperationTimeoutException}, which names the
     * timeout. One timer on {@code op}'s loop, cancelled when {@code op} completes first; no thread.
     * An operation that has already completed returns its outcome at once, with no timer.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative, or {@code op} already has its listener
     */
    public <T> T await(Op<T> op, Duration timeout) {
        Checks.notNull(op, "op");
        Checks.notNegative(timeout, "timeout");
        if (op.isDone()) {
            return await(op);
        }
        if (op instanceof Coroutine<?> awaited) {
            awaited.outcomeTaken();
        }
        return await(Ops.timeout(op.loop(), op, timeout, null));
    }

    /** Runs each body as a child coroutine; returns every value in input order, or throws the first failure (cancelling the rest). */
    public <T> List<T> all(List<? extends Callable<? extends T>> bodies) {
        Checks.noNulls(bodies, "bodies");
        return suspendOrWait("Coroutines.all()", bodies, this,
                (loop, bs, co, l) -> Ops.<T>all(loop, co.launchAll(loop, bs), l));
    }

    /** Runs each body as a child coroutine; returns the first value (cancelling the rest), or throws {@link dev.weft.core.AllFailedException}. */
    public <T> T any(List<? extends Callable<? extends T>> bodies) {
        Checks.noNulls(bodies, "bodies");
        return suspendOrWait("Coroutines.any()", bodies, this,
                (loop, bs, co, l) -> Ops.<T>any(loop, co.launchAll(loop, bs), l));
    }

    /**
     * Runs each body as a child coroutine; returns or throws the first outcome and cancels the rest.
     *
     * @throws IllegalArgumentException for an empty list
     */
    public <T> T race(List<? extends Callable<? extends T>> bodies) {
        Checks.noNulls(bodies, "bodies");
        if (bodies.isEmpty()) {
            throw new IllegalArgumentException("bodies: [] (expected: at least one operation to race)");
        }
        return suspendOrWait("Coroutines.race()", bodies, this,
                (loop, bs, co, l) -> Ops.<T>race(loop, co.launchAll(loop, bs), l));
    }

    /**
     * Runs {@code body} with a deadline: returns its value if it finishes within {@code timeout}, else
     * throws {@link OperationTimeoutException} (naming the timeout), as kotlinx's {@code withTimeout}.
     *
     * <p>In a coroutine, the body runs in the calling coroutine itself, under one timer on its loop (no
     * other coroutine, no thread). When the timer fires, the operation the body is suspended on is
     * cancelled (a value it delivers late is disposed of) and that suspending call throws
     * {@code OperationTimeoutException}; so does every later suspending call of the body, before it
     * starts anything; a body blocked outside Weft (a JDK sleep, queue or socket) is interrupted, as
     * cancelling a coroutine interrupts it, and that interrupt is cleared when the timeout reaches the
     * body. When the body ends after the deadline, {@code withTimeout} throws
     * {@code OperationTimeoutException} even if the body caught it and returned (its value is then
     * disposed of: released, or closed if a connection); a different exception the body throws goes
     * through as it is. Deadlines nest: an inner {@code withTimeout} lets an outer one's timeout
     * through. Cancelling the coroutine wins over its deadline ({@code CancellationException}).
     * A zero timeout throws at once without running the body.
     *
     * <p>Outside a coroutine, {@code body} runs as a child coroutine, which the timeout cancels, and
     * the calling thread waits (not on a loop thread: {@link IllegalBlockingCallException}).
     *
     * <p>Failures: the body's unchecked exceptions as they are, checked ones wrapped in
     * {@link java.util.concurrent.CompletionException}.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public <T> T withTimeout(Duration timeout, Callable<? extends T> body) {
        Checks.notNegative(timeout, "timeout");
        Checks.notNull(body, "body");
        Coroutine<?> c = caller();
        if (c != null) {
            return CoroutineDeadline.run(c, timeout, body);
        }
        // Outside a coroutine: a child coroutine and a timeout over it (captures this).
        return suspendOrWait("Coroutines.withTimeout()", body, timeout,
                (loop, b, t, l) -> Ops.<T>timeout(loop, start(loop, b, true, null, null, null), t, l));
    }

    // ---------------------------------------------------------------- scopes

    /**
     * Runs {@code body} in a fail-fast scope and returns its value once the body AND every coroutine
     * it launched have ended (kotlinx {@code coroutineScope}). The body runs in a child coroutine on
     * the caller's loop; a coroutine launched directly in it is a child of the scope. The first failure
     * (of a child, or of the body) cancels everything still running in the scope; this call then
     * throws it, later failures attached as suppressed. Cancelling the calling coroutine cancels
     * everything in the scope, and this call returns (throwing
     * {@link java.util.concurrent.CancellationException}) only once all of it has ended. A suspending
     * call: see the class comment for where it may be made. See {@link Scope}.
     *
     * <pre>{@code
     * String both = co.scope(() -> {
     *     Coroutine<String> a = co.launch(() -> loadA());   // a child of the scope
     *     String b = co.offload(() -> loadB());             // failing here cancels a
     *     return co.await(a) + b;
     * });
     * }</pre>
     */
    public <T> T scope(Callable<? extends T> body) {
        return scope(Scope.Policy.FAIL_FAST, null, body);
    }

    /**
     * {@link #scope(Callable)} with a deadline: if the scope still runs after {@code deadline},
     * everything in it is cancelled and this call throws {@link dev.weft.core.OperationTimeoutException}
     * (one loop timer, no extra thread).
     */
    public <T> T scope(Duration deadline, Callable<? extends T> body) {
        return scope(Scope.Policy.FAIL_FAST, Checks.notNegative(deadline, "deadline"), body);
    }

    /**
     * A supervisor scope (kotlinx {@code supervisorScope}): like {@link #scope(Callable)}, but a
     * child's failure goes to whoever takes that child's outcome and cancels nothing else; the body
     * decides. The body's own failure still cancels the children and is thrown.
     */
    public <T> T supervisorScope(Callable<? extends T> body) {
        return scope(Scope.Policy.SUPERVISOR, null, body);
    }

    /** {@link #supervisorScope(Callable)} with a deadline (see {@link #scope(Duration, Callable)}). */
    public <T> T supervisorScope(Duration deadline, Callable<? extends T> body) {
        return scope(Scope.Policy.SUPERVISOR, Checks.notNegative(deadline, "deadline"), body);
    }

    private <T> T scope(Scope.Policy policy, Duration deadline, Callable<? extends T> body) {
        Checks.notNull(body, "body");
        return suspendOrWait("Coroutines.scope()", body, new ScopeSpec(this, policy, deadline),
                (loop, b, spec, l) -> spec.co.<T>openScope(loop, spec, b, l));
    }

    private record ScopeSpec(Coroutines co, Scope.Policy policy, Duration deadline) {}

    private <T> Scope<T> openScope(Loop loop, ScopeSpec spec, Callable<? extends T> body, OpListener<Object> listener) {
        Scope<T> s = Scope.open(loop, spec.policy(), spec.deadline(), listener);
        try {
            start(loop, body, true, null, null, s);
        } catch (RuntimeException | Error e) { // could not start the body: the scope ends with that
            try {
                s.body().onComplete(null, e);
            } catch (IllegalStateException slotTakenAlready) {
                s.cancel();
            }
            throw e;
        }
        return s;
    }

    /**
     * Gives other coroutines on the same carrier a turn ({@link Thread#yield()}), counted. Yielding in
     * a loop until something is done is the busy-yield pitfall: suspend on the operation instead.
     */
    public void yieldNow() {
        Coroutine<?> c = current();
        if (c == null) {
            Thread.yield();
            return;
        }
        perLoop[c.loop().index()].yields.increment();
        if (c.carried()) {
            Carriers.carrying(c.loop(), null); // the loop runs others meanwhile
            Thread.yield();
            Carriers.carrying(c.loop(), c.thread);
        } else {
            Thread.yield();
        }
    }

    // ---------------------------------------------------------------- TCP

    /** {@link #connect(InetSocketAddress, TcpOptions)} with {@link TcpOptions#defaults()}. */
    public TcpConnection connect(InetSocketAddress remote) {
        return connect(remote, TcpOptions.defaults());
    }

    /**
     * Connects to {@code remote}; suspends until connected. In a coroutine the connection belongs to
     * the coroutine's loop. Throws {@link dev.weft.core.tcp.TcpConnectException} (refused, unreachable)
     * or {@link dev.weft.core.tcp.TcpConnectTimeoutException}. See {@link TcpConnection}.
     */
    public TcpConnection connect(InetSocketAddress remote, TcpOptions options) {
        return suspendOrWait("Coroutines.connect()", remote, options,
                (loop, r, o, l) -> TcpConnection.connect(loop, r, o, l));
    }

    /**
     * Sends {@code request} on {@code connection}; suspends until its reply arrives and returns it (the
     * caller owns it and must release it). The request buffer belongs to Weft from this call on (also
     * when it throws). To pipeline, make requests from several coroutines at once. Backpressure
     * ({@link dev.weft.core.tcp.ConnectionBusyException}), cancellation of written requests and
     * failures: see {@link TcpConnection}.
     */
    public ByteBuf request(TcpConnection connection, ByteBuf request) {
        checkConnection(connection, request);
        return suspendOrWait("Coroutines.request()", connection, request, request,
                (loop, conn, req, l) -> conn.request(req, l));
    }

    /**
     * {@link #request(TcpConnection, ByteBuf)} with a deadline: if the reply has not arrived within
     * {@code timeout}, the request is cancelled (its reply, when it comes, is read and released, and
     * later replies still match their requests) and this throws {@link OperationTimeoutException},
     * which names the timeout. One timer on the connection's loop, cancelled when the reply comes
     * first; no thread, no other coroutine. The request buffer belongs to Weft from this call on (also
     * when it throws).
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public ByteBuf request(TcpConnection connection, ByteBuf request, Duration timeout) {
        checkConnection(connection, request);
        if (timeout == null || timeout.isNegative()) {
            ReferenceCountUtil.release(request);
            Checks.notNegative(timeout, "timeout");
        }
        return suspendOrWait("Coroutines.request()", connection, request, request,
                (loop, conn, req, l) -> conn.request(req, null), timeout);
    }

    /**
     * Sends {@code frame} without awaiting a reply; suspends until it was written to the socket (the
     * server's reply to it is read and dropped). Owns {@code frame} from this call on.
     */
    public void send(TcpConnection connection, ByteBuf frame) {
        checkConnection(connection, frame);
        suspendOrWait("Coroutines.send()", connection, frame, frame, (loop, conn, f, l) -> conn.send(f, l));
    }

    /** Closes {@code connection} (its pending requests fail); suspends until the socket is closed. */
    public void close(TcpConnection connection) {
        Checks.notNull(connection, "connection");
        suspendOrWait("Coroutines.close()", connection, null, (loop, conn, unused, l) -> conn.close(l));
    }

    /** {@link #serve(TcpOptions, CoroutineRequestHandler)} with {@link TcpOptions#defaults()} (loopback, ephemeral port). */
    public TcpServer serve(CoroutineRequestHandler handler) {
        return serve(TcpOptions.defaults(), handler);
    }

    /**
     * Listens on {@link TcpOptions#bindAddress()} and serves every request with {@code handler}, each
     * in its own coroutine on its connection's loop; suspends until listening and returns the server
     * ({@link TcpServer#localAddress()} has the port it got). Throws
     * {@link dev.weft.core.tcp.TcpBindException}. See {@link CoroutineRequestHandler}.
     */
    public TcpServer serve(TcpOptions options, CoroutineRequestHandler handler) {
        CoroutineTcpHandler adapter = new CoroutineTcpHandler(this, Checks.notNull(handler, "handler"));
        return suspendOrWait("Coroutines.serve()", options, adapter, (loop, o, h, l) -> TcpServer.bind(loop, o, h, l));
    }

    /** Stops {@code server} and closes its connections; suspends until every socket is closed. */
    public void close(TcpServer server) {
        Checks.notNull(server, "server");
        suspendOrWait("Coroutines.close()", server, null, (loop, srv, unused, l) -> srv.close(l));
    }

    /** A request's connection must not be null; the buffer Weft now owns is released if it is. */
    private static void checkConnection(TcpConnection connection, ByteBuf frame) {
        if (connection == null) {
            ReferenceCountUtil.release(frame);
            Checks.notNull(connection, "connection");
        }
    }

    private <T> List<Coroutine<T>> launchAll(Loop loop, List<? extends Callable<? extends T>> bodies) {
        List<Coroutine<T>> kids = new ArrayList<>(bodies.size());
        for (Callable<? extends T> b : bodies) {
            // owned by the combinator (which cancels them when it ends), as every style's combinator owns its children
            kids.add(start(loop, b, true, null, null, null));
        }
        return kids;
    }

    // ---------------------------------------------------------------- the one suspending shape

    /**
     * Starts the operation of a suspending call on {@code loop}, telling {@code listener}. The call's
     * arguments travel as {@code a} and {@code b} so that the call sites' lambdas capture nothing: the
     * JVM makes each of them once, and a suspending call allocates no closure.
     */
    @FunctionalInterface
    private interface Start<A, B, R> {
        Op<R> start(Loop loop, A a, B b, OpListener<Object> listener);
    }

    private <A, B, R> R suspendOrWait(String what, A a, B b, Start<A, B, R> start) {
        return suspendOrWait(what, a, b, null, start);
    }

    /**
     * Every suspending call but {@link #await}: in a coroutine, starts the operation on the
     * coroutine's loop and parks the coroutine until it completes; outside one, starts it on
     * {@link WeftRuntime#loop()} and blocks the calling thread. Refused before anything starts in a
     * cancelled coroutine ({@link CancellationException}) and on a loop thread outside a coroutine
     * ({@link IllegalBlockingCallException}); {@code owned}, a buffer the call owns (or null), is then
     * released.
     *
     * @param what the call, for the message of a refusal on a loop thread
     */
    private <A, B, R> R suspendOrWait(String what, A a, B b, ByteBuf owned, Start<A, B, R> start) {
        return suspendOrWait(what, a, b, owned, start, null);
    }

    /**
     * {@link #suspendOrWait(String, Object, Object, ByteBuf, Start)} with a per-operation deadline when
     * {@code timeout} is not null: {@code start} makes the operation without a listener, and a timeout
     * on the operation's own loop ({@link Ops#timeout}: one timer, no thread) becomes the wait's
     * listener. Refusals as for the other calls.
     */
    private <A, B, R> R suspendOrWait(String what, A a, B b, ByteBuf owned, Start<A, B, R> start, Duration timeout) {
        Coroutine<?> c;
        ThreadWaiter w = null;
        try {
            c = caller();
            if (c == null) {
                w = outside(what);
            }
        } catch (CancellationException | IllegalBlockingCallException | OperationTimeoutException refused) {
            ReferenceCountUtil.release(owned);
            throw refused;
        }
        Loop loop = c != null ? c.loop() : runtime.loop();
        OpListener<Object> waiter = c != null ? c.resumer : w;
        if (timeout == null) {
            Op<R> op = started(start.start(loop, a, b, waiter));
            return c != null ? c.suspend(op) : w.await(op);
        }
        Op<R> op = start.start(loop, a, b, null);
        Op<R> timed = started(Ops.timeout(op.loop(), op, timeout, waiter));
        return c != null ? c.suspend(timed) : w.await(timed);
    }

    /** Counts an operation this facade started (a null check without a registry). */
    <T> Op<T> started(Op<T> op) {
        if (opsStarted != null) {
            opsStarted.increment();
        }
        return op;
    }

    private Loop homeLoop() {
        Coroutine<?> c = current();
        return c != null && c.loop().runtime() == runtime ? c.loop() : runtime.loop();
    }

    private ThreadWaiter outside(String what) {
        if (runtime.isLoopThread()) {
            throw new IllegalBlockingCallException(what);
        }
        return new ThreadWaiter(Thread.currentThread());
    }

    /** Counts a failure that nothing took (see {@link UnobservedFailures}); any thread. */
    void unobservedFailure(int loopIndex) {
        perLoop[loopIndex].unobservedFailures.increment();
    }

    /** Called by a coroutine's own thread after each resume. */
    void counted(Coroutine<?> c, int parks) {
        Loop loop = c.loop();
        if (scheduler == CoroutineScheduler.LOOP_AFFINE && LoopCarriers.currentCarrier() == loop.thread()) {
            LoopCounters lc = perLoop[loop.index()];
            lc.resumes++;
            lc.parks += parks;
        } else {
            LoopCounters lc = perLoop[loop.index()];
            lc.resumesOffLoop.increment();
            lc.parksOffLoop.add(parks);
        }
    }

    // ---------------------------------------------------------------- stats and close

    /** A snapshot of this facade's counters (racy across threads, each value exact). */
    public CoroutineStats stats() {
        CoroutineStats sum = perLoop[0].snapshot();
        for (int i = 1; i < perLoop.length; i++) {
            sum = sum.plus(perLoop[i].snapshot());
        }
        return sum;
    }

    /**
     * The counters of the coroutines homed on {@code loop} (launched on it, or given it by
     * {@link #launch(Callable)}'s round robin): where they resumed, how often they parked and yielded.
     * Read off the loop, the loop-affine counts are racy (each exact, the set not atomic).
     *
     * @throws IllegalArgumentException if {@code loop} is not one of this runtime's
     */
    public CoroutineStats stats(Loop loop) {
        Checks.ownLoop(runtime, loop);
        return perLoop[loop.index()].snapshot();
    }

    /** Coroutines started and not yet ended. */
    public int liveCoroutines() {
        return live.get();
    }

    /**
     * Waits until every coroutine of this facade has ended, but the caller's own: a coroutine closing
     * the runtime (the default scheduler allows it) cannot end before close() returns to it.
     */
    @Override
    public boolean awaitQuiescence(Duration timeout) throws InterruptedException {
        try {
            return awaitLive(timeout);
        } finally {
            unobserved.sweep(); // the last moment to report a failure nobody took
        }
    }

    private boolean awaitLive(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Coroutine<?> self = current();
        int caller = self != null && self.owner == this ? 1 : 0;
        closerWaiting = true;
        synchronized (quiescence) {
            while (live.get() > caller) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(quiescence, left);
            }
        }
        return true;
    }

    private void registerMeters(MeterRegistry r) {
        Tags facade = Tags.of("runtime", runtime.name(), "scheduler", scheduler.name().toLowerCase(),
                "fallback", Boolean.toString(fallbackReason != null));
        LoopCounters.registerMeters(r, facade, perLoop, live);
    }

    @Override
    public String toString() {
        return "Coroutines[" + runtime.name() + ", " + scheduler + (fallbackReason != null ? " (fallback)" : "") + "]";
    }
}
