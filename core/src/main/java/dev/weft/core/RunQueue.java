package dev.weft.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;

/**
 * A loop's run queue: what runs on the loop thread, in which order, how a task from another thread
 * gets there without a lost wake-up, and what happens to tasks once the loop has ended. It knows
 * nothing of operations; {@link Loop} decides which side a caller is on. The jcstress module tests
 * this class directly.
 */
final class RunQueue {

    /*
     * Overview (maintainers)
     *
     * Two queues feed one drain task that runs on the loop thread:
     *  - `local`, an ArrayDeque touched only by code physically on the loop thread: the loop's own
     *    platform thread, or a virtual thread the loop carries. No atomics.
     *  - `remote`, a JCTools MPSC queue for every other thread. A burst of N remote submissions costs
     *    one wake-up (one Executor.execute of the drain task, i.e. Netty's execute(), which may wake
     *    the selector): `remoteScheduled` is CASed 0 -> 1 by the first producer; later producers that
     *    read 1 skip the wake-up because a drain is due and will see their task.
     *
     * Why no wake-up is lost (the store-buffering pattern; jcstress: RunQueueWakeupTest):
     *   producer: offer(task)        = XADD producerIndex (a volatile RMW), then a release store of the
     *                                  element into its slot;
     *             read remoteScheduled (volatile); if 0, CAS 0 -> 1 and schedule a drain.
     *   drain:    remoteScheduled = 0 (volatile write) before it polls;
     *             drain(remote) moves what is visible (relaxed: it stops at a slot whose element is
     *             not yet stored);
     *             when `local` is empty and remoteScheduled reads 0, it checks remote.isEmpty()
     *             (volatile reads of both indexes) before it goes idle.
     *   The producer's XADD precedes its flag read; the drain's flag write precedes its index read;
     *   all four are volatile, hence in one total order: either the producer reads 0 (and schedules a
     *   drain itself), or the drain sees the producer index moved. In the second case the element may
     *   still be in flight (the producer stored the index, not yet the element): the drain does not go
     *   idle: it asks to run again right after the next I/O poll (afterIo, with a non-blocking poll).
     *   Until the element is visible the loop thus spins through non-blocking polls, serving sockets
     *   meanwhile; the window is a few instructions of the producer's, unless that thread is
     *   descheduled right there.
     *   The old code went idle on the flag alone: a producer whose element store was not yet visible
     *   and who had read the flag as 1 just before the drain reset it left its task behind.
     *
     * The drain runs `local` in order; whenever `remoteScheduled` says a producer has offered since
     * the last look (one volatile read per task), it first moves up to REMOTE_BATCH remote tasks to
     * the tail of `local`. It stops when both are empty or the time budget (checked every 64 tasks) is
     * spent; then it resumes right after the next I/O poll, so a task storm cannot starve sockets.
     *
     * Next-iteration tasks (tick): `ticks` collects tasks for the loop's *next* iteration; afterIo()
     * (called right after every I/O poll) runs the ticks collected so far, then drains. While ticks
     * wait, the poll must not block (hasWorkAfterIo()).
     *
     * Termination: the loop thread itself calls terminate() as the very last thing it does (Netty's
     * I/O handler destroy(), after its final task run). It sets `terminated`, then runs or fails
     * whatever is left in the three queues. A producer that offered after reading `terminated ==
     * false` re-reads it after its offer (the same total-order argument as above, with `terminated`
     * in the role of the flag) and sweeps the remote queue itself. From then on every task goes
     * through the remote queue and runs on the submitting thread (a platform thread) or on a
     * common-pool thread (when the submitter is a virtual thread, which cannot carry another virtual
     * thread's continuation, or is inside another queue's afterlife while this one's is busy: see
     * AFTERLIFE_HELD), always one at a time under `afterlife`'s lock and in each submitter's order:
     * loop code only ever runs on the loop thread, or after it has ended and then serially. Nothing
     * here is hot.
     */

    /** How a run queue reports to its loop (a failing task, a task after termination). */
    interface Host {
        /** A task threw and had no caller to tell. */
        void taskFailed(Runnable task, Throwable failure);

        /** Runs or fails {@code task} after the loop has ended (a task op fails with "runtime closed"). */
        void runAfterTermination(Runnable task);
    }

    /** Most cross-thread tasks moved to the local queue at once. */
    static final int REMOTE_BATCH = 1024;
    private static final int BUDGET_CHECK_MASK = 63;

    private final Executor wake;
    private final Host host;
    private final LoopMetrics metrics;
    private final long budgetNanos;
    private final Runnable drainTask = this::drain;

    // Loop-confined (see overview).
    private final ArrayDeque<Runnable> local = new ArrayDeque<>(1024);
    private boolean draining;
    private boolean localScheduled;
    private ArrayDeque<Runnable> ticks = new ArrayDeque<>(256);
    private ArrayDeque<Runnable> ticksRunning = new ArrayDeque<>(256);
    /** A drain was cut short (budget spent, or a remote task still in flight): run again after the next I/O poll. */
    private boolean drainAfterIo;
    private final MessagePassingQueue.Consumer<Runnable> toLocal = local::offer;

    // Cross-thread side.
    private final MpscUnboundedXaddArrayQueue<Runnable> remote;
    private volatile int remoteScheduled;
    private volatile boolean terminated;
    /** Serialises everything that runs after termination. */
    private final ReentrantLock afterlife = new ReentrantLock();
    /**
     * How many afterlife locks (of any loop) the current thread holds. A thread holding one never
     * waits for another: two loops ending at once, each handing the other a task from its own sweep
     * (a timer aborted at termination completing an operation of the other loop), would otherwise each
     * hold its own lock and wait for the other's forever. Such a thread takes the other lock only if it
     * is free at once, else leaves the task in the other queue for a sweep on a JDK pool thread (the
     * common pool: a pool kept busy by blocking user tasks delays these, nothing more). Every task after
     * termination goes through the remote queue, so one submitter's tasks keep their order whichever
     * thread sweeps them. Touched only after termination.
     */
    private static final ThreadLocal<int[]> AFTERLIFE_HELD = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * The loop's heartbeat: grows by 2 with every drain pass and by 1 when the loop enters or leaves
     * its I/O wait, so that it is odd exactly while the loop waits in the poll (idle) and even while
     * it runs anything (busy). Written on the loop only (opaque stores: a plain store on x86), read
     * opaquely by the blocked-loop detector: the same even value seen a threshold apart means the
     * loop has not come back to its queue or its poll since.
     */
    private long heartbeat;

    /**
     * @param wake runs the drain task on the loop thread (Netty's {@code EventLoop.execute})
     * @param chunkSize the remote queue's chunk size (a power of two)
     */
    RunQueue(Executor wake, Host host, LoopMetrics metrics, long budgetNanos, int chunkSize) {
        this.wake = wake;
        this.host = host;
        this.metrics = metrics;
        this.budgetNanos = budgetNanos;
        this.remote = new MpscUnboundedXaddArrayQueue<>(chunkSize);
    }

    /** On the loop thread (or a virtual thread it carries): queues {@code task} behind the current ones. */
    void offerLocal(Runnable task) {
        local.offer(task);
        if (!draining && !localScheduled) {
            localScheduled = true;
            try {
                wake.execute(drainTask);
            } catch (RejectedExecutionException stopped) {
                // Netty's last shutdown pass refuses even its own thread: terminate() runs the task.
            }
        }
    }

    /** From any other thread: queues {@code task}, waking the loop once per burst. */
    void offerRemote(Runnable task) {
        if (terminated) {
            runAfterTermination(task);
            return;
        }
        remote.offer(task);
        if (remoteScheduled == 0 && REMOTE_SCHEDULED.compareAndSet(this, 0, 1)) {
            try {
                wake.execute(drainTask);
            } catch (RejectedExecutionException stopped) {
                // The loop is shutting down: its terminate() or our own check below runs the task.
            }
        }
        if (terminated) {
            sweepRemote(); // terminate() may have swept before our offer became visible
        }
    }

    /** On the loop thread: queues {@code task} for the loop's next iteration. */
    void offerTick(Runnable task) {
        if (terminated) {
            runAfterTermination(task);
            return;
        }
        ticks.offer(task);
    }

    /** The drain task: runs queued tasks until both queues are empty or the budget is spent. */
    void drain() {
        draining = true;
        localScheduled = false;
        final ArrayDeque<Runnable> q = local;
        final LoopMetrics m = metrics;
        long deadline = 0;
        int ran = 0;
        m.drains++;
        HEARTBEAT.setOpaque(this, heartbeat + 2); // even stays even: a drain never runs in the I/O wait
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
                    if (remoteScheduled != 0) {
                        continue;
                    }
                    if (!remote.isEmpty()) {
                        // A producer's task is in flight (index taken, element not yet visible) and it
                        // may have skipped the wake-up: come back after the next I/O poll (overview).
                        remoteScheduled = 1;
                        yieldToIo();
                    }
                    return;
                }
                try {
                    t.run();
                } catch (Throwable e) {
                    host.taskFailed(t, e);
                }
                if ((++ran & BUDGET_CHECK_MASK) == 0) {
                    long now = System.nanoTime();
                    if (deadline == 0) {
                        deadline = now + budgetNanos;
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
     * On the loop thread right after each I/O poll: runs the ticks collected during the previous
     * iteration, then resumes a drain that was cut short.
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
                        host.taskFailed(t, e);
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

    /** Stop now, carry on right after the next I/O poll (see afterIo). */
    private void yieldToIo() {
        drainAfterIo = true;
        localScheduled = true; // a local offer meanwhile needs no drain task of its own
    }

    /**
     * On the loop thread, as the last thing it does: from now on nothing is queued for the loop; runs
     * or fails what is left (see overview).
     */
    void terminate() {
        draining = true; // a task run below that queues locally is picked up by the loop below
        int[] held = AFTERLIFE_HELD.get();
        afterlife.lock(); // its own: a loop thread ends inside no other queue's afterlife
        held[0]++;
        try {
            // Set under the lock: a producer that sees it waits for this sweep, so the tasks it queued
            // before run before the ones it brings after.
            terminated = true;
            for (;;) {
                Runnable t = local.poll();
                if (t == null) {
                    t = remote.poll(); // strict: waits for an element whose index is taken
                }
                if (t == null) {
                    t = ticks.poll();
                }
                if (t == null) {
                    t = ticksRunning.poll();
                }
                if (t == null) {
                    return;
                }
                host.runAfterTermination(t);
            }
        } finally {
            exitAfterlife();
        }
    }

    /** Whether {@link #terminate()} has begun: the loop runs nothing more. */
    boolean isTerminated() {
        return terminated;
    }

    private void sweepRemote() {
        if (!enterAfterlife()) {
            ForkJoinPool.commonPool().execute(this::sweepRemote);
            return;
        }
        try {
            Runnable t;
            while ((t = remote.poll()) != null) {
                host.runAfterTermination(t);
            }
        } finally {
            exitAfterlife();
        }
    }

    private void runAfterTermination(Runnable task) {
        // Always through the remote queue, then a sweep: a task this thread handed over earlier (to a
        // pool sweep, when the lock was busy) is ahead of this one in the queue and so runs first.
        remote.offer(task);
        sweepRemote();
    }

    /**
     * Takes the afterlife lock for the calling thread if it may run afterlife tasks here; false when
     * it must hand them to a JDK pool thread instead: a virtual thread cannot carry another's
     * continuation (the task may be one), and a thread inside another queue's afterlife must not wait
     * for this one's lock (see {@link #AFTERLIFE_HELD}), so it takes it only if it is free.
     */
    private boolean enterAfterlife() {
        if (Thread.currentThread().isVirtual()) {
            return false;
        }
        int[] held = AFTERLIFE_HELD.get();
        if (held[0] > 0 && !afterlife.isHeldByCurrentThread()) {
            if (!afterlife.tryLock()) {
                return false;
            }
        } else {
            afterlife.lock();
        }
        held[0]++;
        return true;
    }

    private void exitAfterlife() {
        AFTERLIFE_HELD.get()[0]--;
        afterlife.unlock();
    }

    /** On the loop thread, right before the I/O poll: the loop is idle from now on (heartbeat odd). */
    void enterIoWait() {
        long h = heartbeat;
        if ((h & 1) == 0) {
            HEARTBEAT.setOpaque(this, h + 1);
        }
    }

    /**
     * On the loop thread, as soon as the poll returns (before Netty processes what it found), and
     * again after the I/O handler returns: the loop is busy from now on. Returns whether it was idle.
     */
    boolean leaveIoWait() {
        long h = heartbeat;
        if ((h & 1) != 0) {
            HEARTBEAT.setOpaque(this, h + 1);
            return true;
        }
        return false;
    }

    /** See {@link Loop#progress()}. */
    long progress() {
        return (long) HEARTBEAT.getOpaque(this);
    }

    /** Whether cross-thread work is waiting (racy; for watchdogs and diagnostics). */
    boolean hasQueuedWork() {
        return remoteScheduled != 0 || !remote.isEmpty();
    }

    // VarHandle mechanics
    private static final VarHandle REMOTE_SCHEDULED;
    private static final VarHandle HEARTBEAT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            REMOTE_SCHEDULED = l.findVarHandle(RunQueue.class, "remoteScheduled", int.class);
            HEARTBEAT = l.findVarHandle(RunQueue.class, "heartbeat", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
