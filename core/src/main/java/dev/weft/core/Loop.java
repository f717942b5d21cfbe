package dev.weft.core;

import dev.weft.core.internal.Carriers;
import dev.weft.core.internal.Checks;
import io.netty.channel.EventLoop;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
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
     * Overview (maintainers): the run queue
     *
     * Two queues feed one drain task that runs on the Netty loop thread:
     *  - `local`, an ArrayDeque touched only by code physically on the loop thread: the loop's own
     *    platform thread, or a virtual thread the loop carries (bound through Carriers). No atomics.
     *  - `remote`, a JCTools MPSC queue for every other thread. A burst of N remote submissions costs
     *    one Netty execute() (one wake-up at most): `remoteScheduled` is CASed 0 -> 1 by the first
     *    producer and reset by the drain before it polls, so no submission is ever stranded.
     * The drain runs `local` tasks in order; whenever `remoteScheduled` says a producer has offered
     * since the last look (one volatile read per task), it first moves up to REMOTE_BATCH remote tasks
     * to the tail of `local`. It stops when both are empty or the time budget (DRAIN_BUDGET_NANOS,
     * checked every 64 tasks) is spent. On budget
     * exhaustion the drain stops and resumes right after Netty's next I/O poll (afterIo), so a task
     * storm cannot starve sockets.
     *
     * Next-iteration tasks (tick): `ticks` collects tasks that must run on the loop's *next*
     * iteration. Netty's I/O handler is wrapped (LoopIoHandler) so that right after every I/O poll
     * the loop calls afterIo(): it runs the ticks collected so far, then drains the run queue. While
     * ticks wait, the poll is told it cannot block. A drain cut short by its budget resumes there too.
     *
     * Termination: after the Netty loop stopped, `terminated` is set and the closing thread sweeps
     * both queues once; a producer that offered after reading `terminated == false` re-checks it
     * after its offer and sweeps too (under `sweepLock`: off the loop, after close, never hot).
     */

    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    /** Tunable: how long one drain may run tasks before letting the loop poll I/O (nanoseconds). */
    public static final String DRAIN_BUDGET_PROPERTY = "weft.loop.drainBudgetNanos";
    static final long DRAIN_BUDGET_NANOS = Long.getLong(DRAIN_BUDGET_PROPERTY, 1_000_000L);
    /** Most cross-thread tasks moved to the local queue at once. */
    private static final int REMOTE_BATCH = 1024;

    private final WeftRuntime runtime;
    private final int index;
    final EventLoop eventLoop;
    private volatile Thread thread;

    // Loop-confined run-queue state (see overview).
    private final ArrayDeque<Runnable> local = new ArrayDeque<>(1024);
    private boolean draining;
    private boolean localScheduled;
    private final Runnable drainTask = this::drain;
    /** Tasks for the loop's next iteration (see {@link #tick}); loop-confined, swapped per pass. */
    private ArrayDeque<Runnable> ticks = new ArrayDeque<>(1024);
    private ArrayDeque<Runnable> ticksRunning = new ArrayDeque<>(1024);
    /** A drain was cut short by its budget: resume it right after the next I/O poll. */
    private boolean drainAfterIo;
    private final MessagePassingQueue.Consumer<Runnable> toLocal = local::offer;

    // Cross-thread side.
    private final MpscUnboundedXaddArrayQueue<Runnable> remote = new MpscUnboundedXaddArrayQueue<>(1024);
    private volatile int remoteScheduled;
    private volatile boolean terminated;
    private final Object sweepLock = new Object();

    // Pending registry: loop-confined intrusive list of ops completed from outside the run queues.
    private Op<?> pendingHead;
    private int pendingCount;

    /** Progress signal for a blocked-loop detector: bumped by every drain pass; written on the loop only. */
    private long heartbeat;

    /** Loop-confined counters, read racily by meters. */
    final LoopMetrics metrics = new LoopMetrics();

    Loop(WeftRuntime runtime, int index, EventLoop eventLoop) {
        this.runtime = runtime;
        this.index = index;
        this.eventLoop = eventLoop;
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
        return t == thread || (t.isVirtual() && Carriers.current() == this);
    }

    // ---------------------------------------------------------------- run queue

    /**
     * Runs a task on this loop, later (never inline). Safe from any thread; from the loop itself it
     * costs one ArrayDeque offer. Tasks run in submission order per submitting thread.
     * After the runtime closed and the loop stopped, the task runs on the calling thread.
     */
    @Override
    public void execute(Runnable task) {
        if (isCarrierThread()) {
            local.offer(task);
            if (!draining && !localScheduled) {
                localScheduled = true;
                eventLoop.execute(drainTask);
            }
        } else {
            executeRemote(task);
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

    private void executeRemote(Runnable task) {
        if (terminated) {
            runAfterTermination(task);
            return;
        }
        remote.offer(task);
        if (remoteScheduled == 0 && REMOTE_SCHEDULED.compareAndSet(this, 0, 1)) {
            try {
                eventLoop.execute(drainTask);
            } catch (RejectedExecutionException stopped) {
                // The Netty loop is gone: the sweep below or the closing thread's sweep runs it.
            }
        }
        if (terminated && !thread.isAlive()) {
            sweep();
        }
    }

    private void drain() {
        draining = true;
        localScheduled = false;
        final ArrayDeque<Runnable> q = local;
        final LoopMetrics m = metrics;
        long deadline = 0;
        int ran = 0;
        m.drains++;
        HEARTBEAT.setOpaque(this, heartbeat + 1);
        try {
            for (;;) {
                if (remoteScheduled != 0) {
                    // Reset before polling: a producer that offers after this re-arms the flag.
                    remoteScheduled = 0;
                    int moved = remote.drain(toLocal, REMOTE_BATCH);
                    m.remoteTasks += moved;
                    if (moved == REMOTE_BATCH) {
                        remoteScheduled = 1; // more may wait: look again next round
                    }
                }
                Runnable t = q.poll();
                if (t == null) {
                    if (remoteScheduled == 0) {
                        break;
                    }
                    continue;
                }
                try {
                    t.run();
                } catch (Throwable e) {
                    taskFailed(t, e);
                }
                if ((++ran & 63) == 0) {
                    long now = System.nanoTime();
                    if (deadline == 0) {
                        deadline = now + DRAIN_BUDGET_NANOS;
                    } else if (now - deadline >= 0) {
                        m.budgetExhaustions++;
                        yieldToIo();
                        return;
                    }
                }
            }
        } finally {
            m.tasks += ran;
            draining = false;
        }
    }

    /** Whether work waits for the next iteration (the I/O poll must then not block). */
    boolean hasWorkAfterIo() {
        return drainAfterIo || !ticks.isEmpty();
    }

    /**
     * Called by {@link LoopIoHandler} on the loop thread right after each I/O poll: runs the ticks
     * collected during the previous iteration, then resumes a drain that its budget cut short.
     */
    void afterIo() {
        metrics.iterations++;
        if (!ticks.isEmpty()) {
            ArrayDeque<Runnable> run = ticks;
            ticks = ticksRunning;
            ticksRunning = run;
            boolean wasDraining = draining;
            draining = true;
            try {
                Runnable t;
                while ((t = run.poll()) != null) {
                    try {
                        t.run();
                    } catch (Throwable e) {
                        taskFailed(t, e);
                    }
                    metrics.tasks++;
                }
            } finally {
                draining = wasDraining;
            }
            drainAfterIo = false;
            drain();
        } else if (drainAfterIo) {
            drainAfterIo = false;
            drain();
        }
    }

    private void addTick(Runnable task) {
        ticks.offer(task);
    }

    /** The drain's budget is spent: let Netty poll I/O, then carry on (see afterIo). */
    private void yieldToIo() {
        drainAfterIo = true;
        localScheduled = true;
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
            log.warn("task {} threw while running after close of loop {}", task, index, e);
        }
    }

    /** After the Netty loop stopped: run or fail whatever is left in the queues. */
    void terminateAndSweep() {
        terminated = true;
        if (thread != null && thread.isAlive()) {
            // Still running past the close timeout: something blocks it (a task or a loop-carried
            // coroutine that never yields). Its queues are still its own; leave them alone.
            log.warn("loop {} ({}) still running after close: something blocks it; its queued work is left to it",
                    index, thread.getName());
            return;
        }
        sweep();
    }

    private void sweep() {
        synchronized (sweepLock) {
            Runnable t;
            while ((t = local.poll()) != null) {
                runAfterTermination(t);
            }
            while ((t = remote.poll()) != null) {
                runAfterTermination(t);
            }
            while ((t = ticks.poll()) != null) {
                runAfterTermination(t);
            }
        }
    }

    // ---------------------------------------------------------------- pending registry

    /** On the loop: tracks an op that close() must fail if it is still pending. */
    void register(Op<?> op) {
        assert isCarrierThread() || terminated; // after termination the sweep runs queued registrations
        if (op.isDone() || op.registered) {
            return;
        }
        if (runtime.isClosed()) {
            op.abort(runtime.closedException());
            return;
        }
        op.registered = true;
        op.nextPending = pendingHead;
        if (pendingHead != null) {
            pendingHead.prevPending = op;
        }
        pendingHead = op;
        pendingCount++;
    }

    void unregister(Op<?> op) {
        assert isCarrierThread() || terminated;
        Op<?> p = op.prevPending;
        Op<?> n = op.nextPending;
        if (p != null) {
            p.nextPending = n;
        } else {
            pendingHead = n;
        }
        if (n != null) {
            n.prevPending = p;
        }
        op.prevPending = null;
        op.nextPending = null;
        op.registered = false;
        pendingCount--;
    }

    /** A snapshot of this loop's counters (see {@link LoopStats} for how exact it is). */
    public LoopStats stats() {
        return LoopStats.of(this);
    }

    /**
     * A counter that grows every time this loop starts a pass over its run queue. A watchdog that
     * reads the same value twice, a threshold apart, while {@link #hasQueuedWork()} is true, has found
     * a blocked loop. Safe from any thread (an opaque read, never torn).
     */
    public long progress() {
        return (long) HEARTBEAT.getOpaque(this);
    }

    /** Whether cross-thread work is waiting for this loop (racy; for watchdogs and diagnostics). */
    public boolean hasQueuedWork() {
        return remoteScheduled != 0 || !remote.isEmpty();
    }

    /** Number of registered pending operations (timers, offloads, promises, ...). Racy off the loop. */
    public int pendingOperations() {
        return pendingCount;
    }

    /** On the loop, during close: fails every registered op with "runtime closed". */
    void failPending(RuntimeClosedException closed) {
        assert isLoopThread();
        while (pendingHead != null) {
            Op<?> head = pendingHead;
            // abort() completes it here on the loop, which unregisters it; an op that had already
            // completed elsewhere (its hand-over task still queued) is unregistered by us.
            if (!head.abort(closed) && head == pendingHead && head.registered) {
                unregister(head);
            }
        }
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
            addTick(op);
        } else {
            execute(() -> addTick(op));
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

    @Override
    public String toString() {
        return "Loop[" + index + ", " + (thread == null ? "not started" : thread.getName()) + "]";
    }

    // VarHandle mechanics
    private static final VarHandle REMOTE_SCHEDULED;
    private static final VarHandle HEARTBEAT;

    static {
        try {
            REMOTE_SCHEDULED = MethodHandles.lookup().findVarHandle(Loop.class, "remoteScheduled", int.class);
            HEARTBEAT = MethodHandles.lookup().findVarHandle(Loop.class, "heartbeat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
