package dev.weft.core;

import dev.weft.core.internal.Carriers;
import dev.weft.core.internal.Checks;
import dev.weft.core.internal.LoopTicks;
import dev.weft.core.internal.LoopTimers;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event-loop thread (a Netty {@link EventLoop}) and Weft's run queue on it. Work for one
 * connection or one chain of operations stays on one loop, so code that stays on it needs no locks.
 *
 * <p>Thread rules: {@link #execute}, every operation-starting method and {@link #isLoopThread()}
 * may be called from any thread. Listeners of this loop's operations run on {@link #thread()}.
 *
 * <p>As an {@link Executor}, a loop is also what carries loop-affine coroutines: their continuations
 * are submitted here and run on the loop thread between other tasks.
 */
public final class Loop implements Executor {

    /*
     * Overview (maintainers)
     *
     * A Loop is thin: the run queue (what runs when, cross-thread hand-off, ticks, drain budget,
     * termination) is RunQueue; the operations close() must fail are in PendingRegistry. This class
     * decides which side of the run queue a caller is on and starts operations.
     *
     * "On the loop" means physically on the loop's thread: the loop's own platform thread, or a
     * virtual thread it carries (bound through Carriers), until the loop terminates. After that,
     * nothing is on the loop; whatever still arrives runs serially in the run queue's afterlife.
     */

    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    /** Tunable: how long one drain may run tasks before letting the loop poll I/O (nanoseconds). */
    public static final String DRAIN_BUDGET_PROPERTY = "weft.loop.drainBudgetNanos";
    static final long DRAIN_BUDGET_NANOS = Long.getLong(DRAIN_BUDGET_PROPERTY, 1_000_000L);

    private final WeftRuntime runtime;
    private final int index;
    final EventLoop eventLoop;
    private volatile Thread thread;
    private final RunQueue queue;
    /** The runtime's virtual clock, or {@code null} (real time): read once per timer armed (see armTimer). */
    private final VirtualTime virtualTime;
    /** Loop-confined (see PendingRegistry). */
    private final PendingRegistry pending = new PendingRegistry();

    /**
     * Loop-confined: how many continuations the loop thread is inside of whose context Weft made
     * current (see {@link Op#enterOnLoop}); 0 between tasks.
     */
    int contextDepth;
    /** Loop-confined: the context the innermost of those made current (only to skip re-entering it). */
    Object enteredContext;

    /** Loop-confined counters, read racily by meters. */
    final LoopMetrics metrics = new LoopMetrics();
    /** Whether the loop clocks its I/O waits (for the utilisation gauge; only with a meter registry). */
    private final boolean clocked;
    /**
     * The virtual thread this loop carries now, as its coroutine facade says (see
     * {@link Carriers#carrying}): written by code running on the loop's thread (opaque stores), read
     * racily by the blocked-loop detector, which checks it against the JDK's own answer before
     * trusting it. A hint for diagnostics, never used to decide anything.
     */
    @SuppressWarnings("unused") // through CARRYING
    private Thread carrying;

    Loop(WeftRuntime runtime, int index, EventLoop eventLoop, boolean clocked, VirtualTime virtualTime) {
        this.runtime = runtime;
        this.virtualTime = virtualTime;
        this.index = index;
        this.eventLoop = eventLoop;
        this.clocked = clocked;
        this.queue = new RunQueue(eventLoop, new RunQueue.Host() {
            @Override
            public void taskFailed(Runnable task, Throwable failure) {
                Loop.this.taskFailed(task, failure);
            }

            @Override
            public void runAfterTermination(Runnable task) {
                Loop.this.runAfterTermination(task);
            }
        }, metrics, DRAIN_BUDGET_NANOS, 1024);
    }

    void bindThread(Thread t) {
        this.thread = t;
    }

    /** The runtime this loop belongs to. */
    public WeftRuntime runtime() {
        return runtime;
    }

    /** This loop's index in {@link WeftRuntime#loops()}. */
    public int index() {
        return index;
    }

    /** The platform thread of this loop. */
    public Thread thread() {
        return thread;
    }

    /** The Netty event loop underneath (for channels registered on this loop). */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    /** Whether the current thread is this loop's own platform thread. */
    public boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    /**
     * Whether the caller runs physically on this loop's thread: the loop thread itself, or a virtual
     * thread that this loop carries. Such a caller may touch loop-confined state.
     */
    public boolean isCarrierThread() {
        Thread t = Thread.currentThread();
        return t == thread || (t.isVirtual() && Carriers.current() == this && !queue.isTerminated());
    }

    /**
     * Whether this loop has ended: its thread runs nothing more, and what still arrives (a late
     * completion, a continuation of a coroutine that outlived close) runs on the thread that causes it,
     * one task at a time. Safe from any thread.
     */
    public boolean isTerminated() {
        return queue.isTerminated();
    }

    // ---------------------------------------------------------------- run queue

    /**
     * Runs a task on this loop, later (never inline). Safe from any thread; from the loop itself it
     * costs one ArrayDeque offer. Tasks run in submission order per submitting thread.
     * After the loop has ended ({@link #isTerminated()}), the task runs on the calling thread (a
     * virtual caller's on a JDK pool thread), one such task at a time.
     */
    @Override
    public void execute(Runnable task) {
        if (isCarrierThread()) {
            queue.offerLocal(task);
        } else {
            queue.offerRemote(task);
        }
    }

    /**
     * Runs {@code task} right away when the caller is this loop's own thread, else hands it to the
     * loop like {@link #execute}. For starting an operation: no queue round trip when already on the
     * loop. (A virtual thread the loop carries is not the loop's thread: its task is queued.)
     */
    public void runNowOrLater(Runnable task) {
        if (isLoopThread()) {
            task.run();
        } else {
            execute(task);
        }
    }

    /** Whether work waits for the next iteration (the I/O poll must then not block). */
    boolean hasWorkAfterIo() {
        return queue.hasWorkAfterIo();
    }

    /** Called by {@link LoopIoHandler} on the loop thread right before Netty's I/O poll: idle from here. */
    void ioWaitBegins() {
        queue.enterIoWait();
        if (clocked) {
            metrics.idleSince = System.nanoTime();
        }
    }

    /**
     * Called by {@link LoopIoHandler} on the loop thread when the poll has returned (before Netty
     * handles what it found) and again when the I/O handler returns: busy from here. Idempotent.
     */
    void ioWaitEnds() {
        if (queue.leaveIoWait() && clocked) {
            metrics.idleNanos += System.nanoTime() - metrics.idleSince;
        }
    }

    /** Called by {@link LoopIoHandler} on the loop thread right after each I/O poll. */
    void afterIo() {
        queue.afterIo();
    }

    /** Called by {@link LoopIoHandler} on the loop thread as the last thing it does. */
    void terminate() {
        queue.terminate();
    }

    private void taskFailed(Runnable t, Throwable e) {
        metrics.taskFailures++;
        log.warn("task {} threw on loop {}; it had no caller to tell", t, index, e);
    }

    private void runAfterTermination(Runnable task) {
        try {
            if (task instanceof TaskOp<?> op) {
                op.abort(runtime.closedException());
            } else {
                task.run();
            }
        } catch (Throwable e) {
            log.warn("task {} threw while running after loop {} ended", task, index, e);
        }
    }

    // ---------------------------------------------------------------- timers

    /**
     * THE entry point for every loop timer that counts as operation time: delay/schedule (TimerOp),
     * every (RepeatOp), Ops.timeout (TimeoutOp), TCP's frame timer, and any deadline built later (a
     * scope's, a per-operation one, WeftFuture.orTimeout): arm it here, or through
     * {@link LoopTimers#arm} from outside this package, never with {@code eventLoop.schedule}. Runs
     * {@code task} on this loop's thread after {@code delayNanos} of the runtime's clock: Netty's
     * scheduler (no allocation beyond Netty's own), or the runtime's {@link VirtualTime}, which fires
     * it only when a test moves the clock. {@code cancel(false)} on the handle stops a timer that has
     * not fired, from any thread. Safe from any thread.
     *
     * <p>Timers that measure the machine, not the program, stay on {@code eventLoop.schedule}: the
     * loop-lag probe, a socket's close grace, the acceptor's pause after an accept error (and the
     * blocked-loop detector, which has its own thread).
     */
    ScheduledFuture<?> armTimer(long delayNanos, Runnable task) {
        VirtualTime vt = virtualTime;
        if (vt == null) {
            try {
                return eventLoop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException ended) {
                // The loop has ended (the runtime closed while this operation started): say so, as
                // every other operation does, not with Netty's "event executor terminated".
                throw runtime.closedException();
            }
        }
        return vt.arm(this, delayNanos, task);
    }

    /** The clock {@link #armTimer} counts on, in nanoseconds: {@link System#nanoTime()}, or the virtual clock's. */
    long timerNanoTime() {
        VirtualTime vt = virtualTime;
        return vt == null ? System.nanoTime() : vt.nanoTime();
    }

    /**
     * For {@link VirtualTime}'s settling: on this loop's next iteration, behind everything queued to
     * it, hands {@code sink} the number of tasks the loop has run (exact there: see VirtualTime).
     */
    void countTasksAfterIo(LongConsumer sink) {
        execute(() -> queue.offerTick(() -> sink.accept(metrics.tasks)));
    }

    // ---------------------------------------------------------------- pending registry

    /** On the loop: tracks an op that close() must fail if it is still pending. */
    void register(Op<?> op) {
        assert isCarrierThread() || isTerminated();
        if (op.isDone() || op.registered) {
            return;
        }
        if (runtime.isClosed()) {
            op.abort(runtime.closedException());
            return;
        }
        pending.add(op);
    }

    void unregister(Op<?> op) {
        assert isCarrierThread() || isTerminated();
        pending.remove(op);
    }

    /** A snapshot of this loop's counters (see {@link LoopStats} for how exact it is). */
    public LoopStats stats() {
        return LoopStats.of(this);
    }

    /**
     * A counter that grows every time this loop starts a pass over its run queue, enters its I/O poll
     * or comes out of it: odd while the loop waits in the poll (idle), even while it runs anything.
     * The same even value read twice, a threshold apart, means the loop has been stuck in one task,
     * one I/O handler or one coroutine for that long: what the blocked-loop detector
     * ({@link WeftRuntime.Builder#blockedLoopThreshold}) reads. Safe from any thread (an opaque read,
     * never torn).
     */
    public long progress() {
        return queue.progress();
    }

    /** Whether {@code progress} (a value of {@link #progress()}) says the loop was waiting in its I/O poll. */
    static boolean idle(long progress) {
        return (progress & 1) != 0;
    }

    /** The virtual thread the facade says this loop carries now, or {@code null} (racy; see the field). */
    Thread carryingHint() {
        return (Thread) CARRYING.getOpaque(this);
    }

    /** Loop-confined: see the field and {@link Carriers#carrying}. */
    private void carrying(Thread virtualThread) {
        CARRYING.setOpaque(this, virtualThread);
    }

    /** Whether cross-thread work is waiting for this loop (racy; for watchdogs and diagnostics). */
    public boolean hasQueuedWork() {
        return queue.hasQueuedWork();
    }

    /** Number of registered pending operations (timers, offloads, promises, ...). Racy off the loop. */
    public int pendingOperations() {
        return pending.size();
    }

    /** On the loop, during close: fails every registered op with "runtime closed". */
    void failPending(RuntimeClosedException closed) {
        assert isLoopThread();
        pending.failAll(closed);
    }

    /** An operation's release on cancel or close threw (a user's whenCancelled action, say); the cancel stands. */
    void releaseFailed(Op<?> op, Throwable t) {
        metrics.releaseFailures.increment();
        log.warn("releasing cancelled operation {} threw on {}; it is cancelled all the same", op,
                Thread.currentThread().getName(), t);
    }

    void listenerFailed(Object listener, Throwable t) {
        if (isLoopThread()) {
            metrics.listenerFailures++;
        }
        log.warn("listener {} threw on loop {}; the exception cannot reach anyone else", listener, index, t);
    }

    // ---------------------------------------------------------------- operations

    /**
     * Runs {@code task} on this loop on a later turn and completes with its result.
     * Cancelling before it runs means it never runs.
     *
     * @throws RuntimeClosedException if the runtime is closed
     */
    public <T> Op<T> submit(Callable<? extends T> task, OpListener<? super T> listener) {
        Checks.notNull(task, "task");
        runtime.ensureOpen();
        TaskOp<T> op = new TaskOp<>(this, task, listener);
        execute(op);
        return op;
    }

    /**
     * Runs {@code task} on this loop's next iteration, after the loop has polled I/O, and completes
     * with its result: an operation that completes "on a later loop iteration" with no system call
     * and no timer (cheaper than a zero-delay {@link #schedule}). Cancelling before it runs means it
     * never runs.
     *
     * @throws RuntimeClosedException if the runtime is closed
     */
    public <T> Op<T> tick(Callable<? extends T> task, OpListener<? super T> listener) {
        Checks.notNull(task, "task");
        runtime.ensureOpen();
        TaskOp<T> op = new TaskOp<>(this, task, listener);
        if (isCarrierThread()) {
            queue.offerTick(op);
        } else {
            execute(() -> queue.offerTick(op));
        }
        return op;
    }

    /**
     * Completes with {@code null} after {@code delay} (a loop timer; zero means the next loop turn
     * after I/O). Cancelling stops the timer: it never fires.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws RuntimeClosedException if the runtime is closed
     */
    public Op<Void> delay(Duration delay, OpListener<? super Void> listener) {
        return schedule(delay, null, listener);
    }

    /**
     * Runs {@code task} on this loop after {@code delay} and completes with its result.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws RuntimeClosedException if the runtime is closed
     */
    public <T> Op<T> schedule(Duration delay, Callable<? extends T> task, OpListener<? super T> listener) {
        long nanos = Checks.saturatedNanos(Checks.notNegative(delay, "delay"));
        runtime.ensureOpen();
        TimerOp<T> op = new TimerOp<>(this, nanos, task, listener);
        runNowOrLater(op);
        return op;
    }

    /**
     * A repeating timer: runs {@code tick} on this loop first after {@code initialDelay}, then every
     * {@code period} as {@code repeat} says ({@link Repeat#FIXED_RATE}: on a fixed schedule;
     * {@link Repeat#FIXED_DELAY}: {@code period} after the previous tick ended), until it is cancelled.
     * The operation never succeeds: it ends cancelled, with the tick's exception if one throws (no tick
     * follows), or with {@link RuntimeClosedException} at close. Ticks must not block (offload).
     *
     * @throws IllegalArgumentException if {@code initialDelay} is negative or {@code period} not positive
     * @throws RuntimeClosedException if the runtime is closed
     */
    public Op<Void> every(Duration initialDelay, Duration period, Repeat repeat, Runnable tick,
            OpListener<? super Void> listener) {
        long initial = Checks.saturatedNanos(Checks.notNegative(initialDelay, "initialDelay"));
        long every = Checks.saturatedNanos(Checks.positive(period, "period"));
        Checks.notNull(repeat, "repeat");
        Checks.notNull(tick, "tick");
        runtime.ensureOpen();
        RepeatOp op = new RepeatOp(this, initial, every, repeat, tick, listener);
        runNowOrLater(op);
        return op;
    }

    /**
     * Runs blocking {@code task} on the runtime's bounded worker pool and completes on this loop.
     * A full pool fails the operation with {@link WorkerPoolFullException}; cancelling interrupts
     * the task if it is running and drops it if it is not.
     *
     * @throws RuntimeClosedException if the runtime is closed
     */
    public <T> Op<T> offload(Callable<? extends T> task, OpListener<? super T> listener) {
        Checks.notNull(task, "task");
        runtime.ensureOpen();
        OffloadOp<T> op = new OffloadOp<>(this, task, listener);
        op.track();
        runtime.offload(op);
        return op;
    }

    /**
     * A promise: an operation that the caller completes, for bridging any other source of
     * completion into Weft. Tracked until complete, so close() fails it if it never is.
     */
    public <T> Promise<T> promise(OpListener<? super T> listener) {
        runtime.ensureOpen();
        Promise<T> p = new Promise<>(this, listener);
        p.track();
        return p;
    }

    // VarHandle mechanics
    private static final java.lang.invoke.VarHandle CARRYING;

    static {
        try {
            CARRYING = java.lang.invoke.MethodHandles.lookup().findVarHandle(Loop.class, "carrying", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        Carriers.install((loop, vt) -> loop.carrying(vt));
        LoopTicks.install(new LoopTicks.Access() {
            @Override
            public <T> Op<T> prepare(Loop loop, Callable<? extends T> task, LoopTicks.Waiter waiter) {
                Checks.notNull(task, "task");
                loop.runtime.ensureOpen();
                return new ResumingTickOp<>(loop, task, waiter);
            }

            @Override
            public void offer(Op<?> tick) {
                Loop loop = tick.loop;
                assert loop.isCarrierThread();
                loop.queue.offerTick((ResumingTickOp<?>) tick);
            }

            @Override
            public void abandon(Op<?> tick) {
                tick.abort(tick.loop.runtime.closedException());
            }
        });
        LoopTimers.install(new LoopTimers.Access() {
            @Override
            public ScheduledFuture<?> arm(Loop loop, long delayNanos, Runnable task) {
                return loop.armTimer(delayNanos, task);
            }

            @Override
            public long nanoTime(Loop loop) {
                return loop.timerNanoTime();
            }

            @Override
            public boolean onVirtualTime(WeftRuntime runtime) {
                return runtime.virtualTime().isPresent();
            }

            @Override
            public void addSettleProbe(WeftRuntime runtime, BooleanSupplier busy) {
                runtime.virtualTime().ifPresent(vt -> vt.addProbe(busy));
            }
        });
    }

    @Override
    public String toString() {
        return "Loop[" + index + ", " + (thread == null ? "not started" : thread.getName()) + "]";
    }
}
