package dev.weft.core;

import dev.weft.core.internal.Carriers;
import dev.weft.core.internal.Checks;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A controllable clock for a runtime's loop timers, for tests: a test of a 30-second timeout takes
 * milliseconds and runs the same way every time.
 *
 * <pre>{@code
 * VirtualTime vt = VirtualTime.create();
 * try (WeftRuntime rt = WeftRuntime.builder().loops(1).virtualTime(vt).build()) {
 *     Promise<String> never = rt.loop().promise(null);
 *     Op<String> op = Ops.timeout(rt.loop(), never, Duration.ofSeconds(30), null);
 *     vt.advanceBy(Duration.ofSeconds(29));   // returns at once: nothing was due
 *     assert !op.isDone();
 *     vt.advanceBy(Duration.ofSeconds(1));    // the timeout fires, on its loop, before this returns
 *     assert op.isFailed();                   // OperationTimeoutException
 * }
 * }</pre>
 *
 * <p><b>What runs on it.</b> Every timer that counts as operation time: {@code Loop.delay},
 * {@code schedule}, {@code every} (both {@link Repeat} modes), {@link Ops#timeout} and what is built
 * on them in the three styles (a coroutine's {@code delay} and {@code withTimeout}, a future's
 * {@code delay} and {@code timeout}), and a TCP connection's {@code TcpOptions.frameTimeout}. Nothing
 * on it fires unless the test moves the clock ({@link #advanceBy}, {@link #advanceToNextTimer},
 * {@link #runUntilIdle}); a zero delay fires at the next of these calls. What stays on real time,
 * because it measures the machine rather than the program: the blocked-loop detector, the loop-lag
 * probe, Netty's connect timeout ({@code TcpOptions.connectTimeout}), a closing socket's grace period,
 * and the runtime's close timeout; the network itself is real too.
 *
 * <p><b>Order.</b> Timers fire one at a time, each on its own loop's thread, in deadline order; timers
 * with the same deadline fire in the order they were armed. Timers armed one after another (on one
 * loop, or in steps the test separates with {@link #runUntilIdle}) therefore always fire in the same
 * order; two loops arming the same deadline at the same moment fire in whichever order they armed.
 *
 * <p><b>Settled.</b> Before it looks at the timers, and after each timer it fires, an advancing call
 * waits until the runtime has settled: every loop has run everything queued to it (run queue and
 * next-iteration ticks, and the work that work queued, on any loop), the worker pool has no offload
 * queued or running, and no coroutine of a facade on this runtime is running (each is suspended or
 * ended). So when {@code advanceBy(d)} returns, every timer due within {@code d} has fired, and
 * everything it set off (continuations, dependent stages, callbacks, timers re-armed within the
 * window, a coroutine's next {@code delay}) has run as far as it can without more time passing or
 * network I/O. Work that never settles (a tick that re-queues itself forever, an offload that blocks
 * on something the test would do after the call returns) makes the call fail with
 * {@link IllegalStateException} after {@link #SETTLE_TIMEOUT} of real time.
 *
 * <p>Once the runtime is closed, moving the clock fires nothing (close has failed every pending
 * operation) and only moves {@link #now()}.
 *
 * <p><b>Thread rules.</b> One clock serves one runtime (all of its loops). The advancing calls wait,
 * so make them from the test's own thread: never from a loop thread or a coroutine of the runtime
 * ({@link IllegalStateException}). Calls on one clock are serialised. {@link #now()} and
 * {@link #pendingTimers()} may be called from any thread. Under virtual time a suspending call made
 * outside a coroutine (the test thread calling {@code co.delay}) blocks until another thread moves the
 * clock: launch a coroutine and move the clock from the test instead.
 *
 * <p>Lives in core rather than in a test-support module because the loops' timer entry point is
 * package-private (there is no public timer SPI to plug a clock into); a runtime built without one
 * pays a null check per timer armed and nothing else.
 */
public final class VirtualTime {

    /*
     * Overview (maintainers)
     *
     * Timers: one priority queue per clock, ordered by (deadline, arming sequence), under `lock`.
     * Arming (any thread, via Loop.armTimer) and cancelling (any thread) take the lock; firing is
     * done by the advancing thread only: it pops the head under the lock, moves `now` to its
     * deadline, and hands the timer to its loop (Loop.execute), then settles before the next.
     * A Timer's state goes PENDING -> FIRED (on the loop, when it runs) or PENDING -> CANCELLED
     * (cancel(), any thread): whichever CAS wins, once.
     *
     * Settling: a round asks each loop, as a next-iteration tick behind everything already queued,
     * how many tasks it has run (LoopMetrics.tasks, exact at a tick: drains add to it when they end,
     * and ticks run between drains). Between two consecutive markers an idle loop runs exactly two
     * tasks of ours (the previous marker, and the cross-thread task that queued the next one as a
     * tick): MARKER_TASKS. A round is quiet when every loop ran only those since the previous round
     * and the off-loop probes (worker pool, facades' coroutines) said idle both before and after
     * the markers. Work started by a timer either shows up in a loop's count, or keeps a probe busy,
     * until it has settled.
     */

    /** How long (real time) an advancing call waits for the runtime to settle before it gives up. */
    public static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);

    /** Tasks a loop runs per settling round when it is otherwise idle (see overview). */
    static final long MARKER_TASKS = 2;

    private final Object lock = new Object();
    /** Armed timers, earliest first; guarded by {@code lock}. */
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /** Guarded by {@code lock}. */
    private long nextSeq;
    /** Virtual nanoseconds since creation: written under {@code lock} by the advancing thread, read by anyone. */
    private volatile long now;
    /** The runtime this clock drives, set once when it is built. */
    private volatile WeftRuntime runtime;
    /** Checks that off-loop work (a facade's coroutines) is still running. */
    private final List<BooleanSupplier> probes = new CopyOnWriteArrayList<>();
    /** One advancing call at a time. */
    private final ReentrantLock driving = new ReentrantLock();

    private VirtualTime() {}

    /** A new clock at virtual time zero, for one runtime ({@link WeftRuntime.Builder#virtualTime}). */
    public static VirtualTime create() {
        return new VirtualTime();
    }

    /** How much virtual time has passed since {@link #create()}. Safe from any thread. */
    public Duration now() {
        return Duration.ofNanos(now);
    }

    /** Timers armed and neither fired nor cancelled. Safe from any thread. */
    public int pendingTimers() {
        synchronized (lock) {
            return timers.size();
        }
    }

    /** How long until the earliest pending timer is due (zero if it is due now), or empty if none is armed. */
    public Optional<Duration> timeToNextTimer() {
        synchronized (lock) {
            Timer t = timers.peek();
            return t == null ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, t.deadline - now)));
        }
    }

    /**
     * Moves the clock forward by {@code duration}, firing every timer due by then in deadline order
     * (ties in arming order), each on its loop's thread, and returns once they have fired and the
     * runtime has settled (see the class comment), including timers armed within the window by what
     * fired. Zero fires what is due now ({@link #runUntilIdle()}).
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws IllegalStateException if called from a loop thread or a coroutine of the runtime, or if
     *         the runtime does not settle within {@link #SETTLE_TIMEOUT}
     */
    public void advanceBy(Duration duration) {
        long nanos = Checks.saturatedNanos(Checks.notNegative(duration, "duration"));
        advance(nanos, false, "VirtualTime.advanceBy");
    }

    /**
     * Waits until the runtime has settled and fires the timers due at the current instant (zero
     * delays, deadlines reached), without moving the clock. The same as {@code advanceBy(Duration.ZERO)}.
     *
     * @throws IllegalStateException as {@link #advanceBy} does
     */
    public void runUntilIdle() {
        advance(0, false, "VirtualTime.runUntilIdle");
    }

    /**
     * Once the runtime has settled, moves the clock to the earliest pending timer's deadline and fires
     * every timer due then (as {@link #advanceBy} would); does nothing if no timer is armed.
     *
     * @return whether a timer was pending (the clock moved to it, or it was due already)
     * @throws IllegalStateException as {@link #advanceBy} does
     */
    public boolean advanceToNextTimer() {
        return advance(0, true, "VirtualTime.advanceToNextTimer");
    }

    private boolean advance(long byNanos, boolean toNext, String what) {
        WeftRuntime rt = runtime;
        if (rt != null && (rt.isLoopThread() || Carriers.binding() != null)) {
            throw new IllegalStateException(what + " was called on '" + Thread.currentThread().getName()
                    + "', a loop thread or a coroutine: it waits for the runtime to settle, so call it from the test's own thread");
        }
        driving.lock();
        try {
            settle(rt, what);
            long target;
            synchronized (lock) {
                if (toNext) {
                    Timer head = timers.peek();
                    if (head == null) {
                        return false;
                    }
                    target = Math.max(now, head.deadline);
                } else {
                    target = saturatedAdd(now, byNanos);
                }
            }
            for (;;) {
                Timer t;
                synchronized (lock) {
                    if (rt != null && rt.isClosed()) {
                        timers.clear(); // close() failed their operations; a loop-confined task must not run here
                        now = target;
                        return true;
                    }
                    t = timers.peek();
                    if (t == null || t.deadline > target) {
                        now = target;
                        return true;
                    }
                    timers.poll();
                    if (t.deadline > now) {
                        now = t.deadline;
                    }
                }
                t.loop.execute(t);
                settle(rt, what);
            }
        } finally {
            driving.unlock();
        }
    }

    // ---------------------------------------------------------------- the loops' side

    /** Called once by the runtime being built with this clock. */
    void attach(WeftRuntime rt) {
        synchronized (lock) {
            if (runtime != null) {
                throw new IllegalStateException("virtualTime: this VirtualTime already drives runtime '" + runtime.name()
                        + "' (expected: one VirtualTime per runtime; create another)");
            }
            runtime = rt;
        }
    }

    /**
     * A build of {@code rt} failed after {@link #attach}: this clock drives nothing again, so the
     * caller can hand it to its next build. Nothing of a runtime that was never returned can have
     * armed a timer on it. Does nothing if it drives another runtime (the failure was its refusal).
     */
    void detach(WeftRuntime rt) {
        synchronized (lock) {
            if (runtime == rt) {
                runtime = null;
            }
        }
    }

    /** Loop.armTimer under virtual time: any thread. */
    ScheduledFuture<?> arm(Loop loop, long delayNanos, Runnable task) {
        synchronized (lock) {
            Timer t = new Timer(this, loop, saturatedAdd(now, delayNanos), nextSeq++, task);
            timers.add(t);
            return t;
        }
    }

    /** The clock timers count on, in nanoseconds since creation. Any thread. */
    long nanoTime() {
        return now;
    }

    void addProbe(BooleanSupplier busy) {
        probes.add(Checks.notNull(busy, "busy"));
    }

    private boolean cancel(Timer t) {
        synchronized (lock) {
            return timers.remove(t);
        }
    }

    // ---------------------------------------------------------------- settling

    private void settle(WeftRuntime rt, String what) {
        if (rt == null) {
            return;
        }
        long giveUp = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        List<Loop> loops = rt.loops();
        long[] previous = null;
        for (;;) {
            if (rt.isClosed()) {
                return; // close() fails what is pending; nothing more runs on the loops
            }
            boolean idleBefore = !offLoopBusy(rt);
            long[] counts = taskCounts(loops, giveUp, what);
            if (counts == null) {
                return; // closed meanwhile
            }
            boolean idleAfter = !offLoopBusy(rt);
            if (idleBefore && idleAfter && previous != null && onlyMarkersRan(previous, counts)) {
                return;
            }
            previous = counts;
            if (System.nanoTime() - giveUp > 0) {
                throw notSettled(what);
            }
        }
    }

    private boolean offLoopBusy(WeftRuntime rt) {
        if (rt.offloadsInFlight()) {
            return true;
        }
        for (BooleanSupplier p : probes) {
            if (p.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private static boolean onlyMarkersRan(long[] before, long[] after) {
        for (int i = 0; i < before.length; i++) {
            if (after[i] - before[i] != MARKER_TASKS) {
                return false;
            }
        }
        return true;
    }

    /** Each loop's task count, read by a next-iteration tick behind what is queued; null if the runtime closed. */
    private long[] taskCounts(List<Loop> loops, long giveUp, String what) {
        long[] counts = new long[loops.size()];
        CountDownLatch done = new CountDownLatch(counts.length);
        for (int i = 0; i < counts.length; i++) {
            int index = i;
            loops.get(i).countTasksAfterIo(n -> {
                counts[index] = n;
                done.countDown();
            });
        }
        try {
            while (!done.await(10, TimeUnit.MILLISECONDS)) {
                if (runtime.isClosed()) {
                    return null;
                }
                if (System.nanoTime() - giveUp > 0) {
                    throw notSettled(what);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " was interrupted while waiting for the runtime to settle", e);
        }
        return counts;
    }

    private IllegalStateException notSettled(String what) {
        return new IllegalStateException(what + ": runtime '" + runtime.name() + "' did not settle within "
                + SETTLE_TIMEOUT + " of real time (expected: every loop idle, no offload running, every coroutine"
                + " suspended); something keeps running without virtual time passing (a tick that re-queues itself,"
                + " an offload or coroutine blocked on the test thread)");
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < a ? Long.MAX_VALUE : r;
    }

    @Override
    public String toString() {
        return "VirtualTime[now=" + now() + ", pending=" + pendingTimers() + "]";
    }

    /** One armed timer: its handle (cancel) and the task its loop runs when it fires. */
    private static final class Timer implements ScheduledFuture<Object>, Runnable {
        private static final int PENDING = 0;
        private static final int FIRED = 1;
        private static final int CANCELLED = 2;

        private final VirtualTime clock;
        final Loop loop;
        final long deadline;
        private final long seq;
        private final Runnable task;
        private final AtomicInteger state = new AtomicInteger();

        Timer(VirtualTime clock, Loop loop, long deadline, long seq, Runnable task) {
            this.clock = clock;
            this.loop = loop;
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        /** On the loop, handed over by the advancing thread. */
        @Override
        public void run() {
            if (state.compareAndSet(PENDING, FIRED)) {
                task.run();
            }
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (state.compareAndSet(PENDING, CANCELLED)) {
                clock.cancel(this);
                return true;
            }
            return false;
        }

        @Override
        public boolean isCancelled() {
            return state.get() == CANCELLED;
        }

        @Override
        public boolean isDone() {
            return state.get() != PENDING;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("a loop timer has no result to wait for");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("a loop timer has no result to wait for");
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(deadline - clock.now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            if (o instanceof Timer t) {
                int c = Long.compare(deadline, t.deadline);
                return c != 0 ? c : Long.compare(seq, t.seq);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public String toString() {
            return "VirtualTime.Timer[due " + Duration.ofNanos(deadline) + ", " + task + "]";
        }
    }
}
