package dev.weft.core;

import dev.weft.core.internal.Checks;
import dev.weft.core.internal.Contexts;
import dev.weft.core.internal.HandleSpacers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.search.Search;
import io.netty.channel.EventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Weft runtime: a fixed set of event {@link Loop loops} on Netty, a bounded worker pool for
 * blocking work, and optional Micrometer metrics. The three style facades (callbacks, futures,
 * coroutines) are built on one runtime and can be used side by side on it.
 *
 * <pre>{@code
 * try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
 *     Loop loop = rt.loop();
 *     loop.delay(Duration.ofMillis(10), (v, err) -> System.out.println("tick on " + Thread.currentThread()));
 * }
 * }</pre>
 *
 * <p>Thread rules: every method may be called from any thread, except {@link #close()}, which waits
 * and so must not be called on a loop thread.
 */
public final class WeftRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WeftRuntime.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    /** Tunable: the default transport of new builders (AUTO, NIO or EPOLL). */
    public static final String TRANSPORT_PROPERTY = "weft.transport";
    /**
     * Tunable: the default blocked-loop threshold of new builders, in milliseconds ({@code 100}) or as
     * an ISO-8601 duration ({@code PT0.25S}); {@code 0} turns the detector off (for a debugger).
     */
    public static final String BLOCKED_LOOP_THRESHOLD_PROPERTY = "weft.blockedLoop.threshold";
    /**
     * Tunable: how many idle spacer threads a runtime with more than one loop starts after each loop
     * thread but the last (default 2; {@code 0}: none), so that the JVM's per-thread handles of two
     * loops, written on every virtual-thread mount, do not share a cache line. See the README's pitfall
     * "Two loops writing one cache line".
     */
    public static final String LOOP_SPACERS_PROPERTY = "weft.loop.spacers";

    private final String name;
    private final Transport transport;
    private final MultiThreadIoEventLoopGroup group;
    private final Loop[] loops;
    private final List<Loop> loopList;
    private final ThreadPoolExecutor workers;
    /** Worker threads that may still be alive (the pool's termination comes before their exit). */
    private final Set<Thread> workerThreadsStarted = ConcurrentHashMap.newKeySet();
    private final int workerThreads;
    private final int workerQueueCapacity;
    /** Offloads refused because the pool was full (WorkerPoolFullException); any thread. */
    private final LongAdder workerRejections = new LongAdder();
    private final Duration closeTimeout;
    private final CoroutineScheduler coroutineScheduler;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final List<CloseParticipant> participants = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextLoop = new AtomicInteger();
    /** Offloads handed to the pool and not yet picked up by a worker (see queuedOffloads()). */
    private final AtomicInteger queuedOffloads = new AtomicInteger();
    /**
     * Offloads inside {@code workers.execute}: not in the queue yet. A coroutine's hand-off can wait
     * there (the queue's lock, held by a worker taking a task, parks a virtual thread and frees its loop).
     */
    private final AtomicInteger submittingOffloads = new AtomicInteger();
    /** Diagnostics: each null when off. */
    private final LoopProbe[] probes;
    private final BlockedLoopDetector detector;
    private final PinningMonitor pinning;
    /** Idle threads started between the loop threads (none with one loop): see HandleSpacers. */
    private final HandleSpacers spacers;
    private final Duration blockedLoopThreshold;
    /** The clock of the loops' operation timers when a test gave one, else {@code null} (real time). */
    private final VirtualTime virtualTime;

    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);

    private WeftRuntime(Builder b) {
        this.name = b.name != null ? b.name : "weft-" + IDS.incrementAndGet();
        this.transport = resolve(b.transport);
        this.closeTimeout = b.closeTimeout;
        this.coroutineScheduler = b.coroutineScheduler;
        this.registry = b.registry;
        this.virtualTime = b.virtualTime;
        // Idle threads between loop threads keep two loops' JVM thread handles off one cache line
        // (written on every virtual-thread mount: see HandleSpacers). A bad setting is refused here,
        // before anything is started.
        this.spacers = HandleSpacers.between(b.loops);
        IoHandlerFactory netty = transport == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        List<LoopIoHandler> handlers = new ArrayList<>();
        IoHandlerFactory io = executor -> {
            LoopIoHandler h = new LoopIoHandler(netty.newHandler(executor));
            synchronized (handlers) {
                handlers.add(h);
            }
            return h;
        };
        AtomicInteger loopThreads = new AtomicInteger();
        this.group = new MultiThreadIoEventLoopGroup(b.loops,
                (java.util.concurrent.ThreadFactory) r -> daemon(
                        new FastThreadLocalThread(r, name + "-loop-" + loopThreads.getAndIncrement())), io);
        this.loops = new Loop[b.loops];
        Iterator<io.netty.util.concurrent.EventExecutor> it = group.iterator();
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop(this, i, (EventLoop) it.next(), registry != null, virtualTime); // clocked: utilisation
            synchronized (handlers) {
                handlers.get(i).loop = loops[i]; // children are created in iteration order
            }
        }
        this.loopList = List.of(loops);
        PinningMonitor startedPinning = null; // for the catch below, which cannot read the final field
        try {
            for (Loop l : loops) {
                spacers.beforeThread(l.index(), name + "-loop-spacer");
                try {
                    // The loop's first task: a loop thread starts with an empty context, whatever the
                    // thread that started it had in inheritable thread-locals (slf4j-api's BasicMDCAdapter).
                    l.bindThread(l.eventLoop.submit(() -> {
                        Contexts.clearThread();
                        return Thread.currentThread();
                    }).get(10, TimeUnit.SECONDS));
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("event loop " + l.index() + " did not start", e);
                }
            }
            if (virtualTime != null) {
                virtualTime.attach(this);
            }
            this.workerThreads = b.workerThreads;
            this.workerQueueCapacity = b.workerQueueCapacity;
            AtomicInteger workerIds = new AtomicInteger();
            this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(workerQueueCapacity),
                    r -> newWorker(r, name + "-worker-" + workerIds.getAndIncrement()),
                    new ThreadPoolExecutor.AbortPolicy());
            this.workers.allowCoreThreadTimeOut(true);
            if (registry != null) {
                registerMeters();
                registerWorkerMeters();
            }
            this.blockedLoopThreshold = b.blockedLoopThreshold;
            this.probes = registry != null ? new LoopProbe[loops.length] : null;
            startedPinning = b.reportPinning ? startPinning(b.pinningThreshold) : null;
            this.pinning = startedPinning;
            this.detector = blockedLoopThreshold.isZero() ? null
                    : new BlockedLoopDetector(name, loops, blockedLoopThreshold, b.blockedLoopHandler);
            if (registry != null) {
                registerDiagnosticMeters(b.lagProbeInterval);
            }
            if (detector != null) {
                detector.start();
            }
            log.debug("{} started: {} loops on {}, {} workers (queue {})", name, loops.length, transport,
                    workerThreads, workerQueueCapacity);
        } catch (Throwable t) { // leave nothing running behind a runtime that is never returned
            if (startedPinning != null) {
                try {
                    startedPinning.close(); // its JFR stream runs a thread of its own
                } catch (Throwable c) {
                    t.addSuppressed(c); // the build's own failure is the one to throw; the rest still runs
                }
            }
            if (virtualTime != null) {
                virtualTime.detach(this); // the caller may give the clock to its next build
            }
            spacers.release();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (registry != null) {
                for (Meter m : meters) {
                    registry.remove(m);
                }
            }
            throw t;
        }
    }

    /** A worker thread, remembered so that close() can wait until it has really exited. */
    private Thread newWorker(Runnable r, String threadName) {
        // Idle workers time out: forget the ones that ended (not the NEW ones another caller made).
        workerThreadsStarted.removeIf(t -> t.getState() == Thread.State.TERMINATED);
        // No inherited thread-locals: a worker must not keep the context (an inheritable MDC) of the
        // call that happened to start it; each offload brings its own.
        Thread t = daemon(new Thread(null, r, threadName, 0, false));
        workerThreadsStarted.add(t);
        return t;
    }

    private static Thread daemon(Thread t) {
        t.setDaemon(true);
        return t;
    }

    private static Transport resolve(Transport wanted) {
        switch (wanted) {
            case NIO:
                return Transport.NIO;
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport: EPOLL requested but Netty's native epoll is unavailable ("
                            + Epoll.unavailabilityCause() + "); use Transport.AUTO or NIO");
                }
                return Transport.EPOLL;
            default:
                return Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
        }
    }

    /** A builder with the defaults: one loop per core, AUTO transport, no metrics. */
    public static Builder builder() {
        return new Builder();
    }

    /** This runtime's name; its threads are named after it. */
    public String name() {
        return name;
    }

    /** The transport actually in use (AUTO resolved). */
    public Transport transport() {
        return transport;
    }

    /** The loops, in index order. */
    public List<Loop> loops() {
        return loopList;
    }

    /** The loop at {@code index}. */
    public Loop loop(int index) {
        return loops[index];
    }

    /**
     * The loop to start work on: the caller's own loop when it runs on one (so a chain of operations
     * stays on one thread), else the next one round-robin.
     */
    public Loop loop() {
        Thread t = Thread.currentThread();
        for (Loop l : loops) {
            if (l.thread() == t) {
                return l;
            }
        }
        if (t.isVirtual()) {
            Loop carried = dev.weft.core.internal.Carriers.current();
            if (carried != null && carried.runtime() == this) {
                return carried;
            }
        }
        return loops[(nextLoop.getAndIncrement() & Integer.MAX_VALUE) % loops.length];
    }

    /** Whether the current thread is one of this runtime's loop threads (or a virtual thread one carries). */
    public boolean isLoopThread() {
        for (Loop l : loops) {
            if (l.isCarrierThread()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The coroutine scheduler asked for on the builder ({@code LOOP_AFFINE} by default): what
     * {@code Coroutines.of(runtime)} uses. The one in effect can differ (a JVM without
     * {@code --add-opens} falls back to DEFAULT): ask the facade, {@code co.scheduler()}.
     */
    public CoroutineScheduler coroutineScheduler() {
        return coroutineScheduler;
    }

    /** The blocked-loop detector's threshold; {@link Duration#ZERO} when the detector is off. */
    public Duration blockedLoopThreshold() {
        return blockedLoopThreshold;
    }

    /** The virtual clock the loops' operation timers run on, if the builder was given one ({@link Builder#virtualTime}). */
    public Optional<VirtualTime> virtualTime() {
        return Optional.ofNullable(virtualTime);
    }

    /** The registry given to the builder, if any. */
    public Optional<MeterRegistry> meterRegistry() {
        return Optional.ofNullable(registry);
    }

    /** Whether {@link #close()} has begun. */
    public boolean isClosed() {
        return closed;
    }

    /** The sum of every loop's counters. */
    public LoopStats stats() {
        LoopStats s = loops[0].stats();
        for (int i = 1; i < loops.length; i++) {
            s = s.plus(loops[i].stats());
        }
        return s;
    }

    /**
     * Offloaded tasks waiting in the worker queue (not yet running). A counter kept beside the queue,
     * so that asking costs no lock (a server asks it on its read path); exact when nothing is in motion,
     * and a task it counts is in the queue or already picked up.
     */
    public int queuedOffloads() {
        return Math.max(0, queuedOffloads.get());
    }

    /**
     * Offloads waiting for a worker: {@link #queuedOffloads()} plus those being handed to the pool
     * right now. What a server's read path asks before it takes more requests on a connection (see
     * {@link dev.weft.core.tcp.TcpOptions#maxPendingRequestsWhenWorkersBusy()}): a hand-off still in
     * progress (a coroutine parked on the queue's lock while a worker takes a task) already counts,
     * so a connection cannot outrun the pool while its handlers' offloads are in transit. No lock.
     */
    public int offloadBacklog() {
        return Math.max(0, queuedOffloads.get()) + submittingOffloads.get();
    }

    /**
     * For {@link VirtualTime}'s settling: whether an offload may be queued or running. A task is
     * counted from before {@code execute} returns until its worker picks it up (queuedOffloads, which a
     * worker decrements inside the task), and the pool counts it active from before that until after
     * it has completed its operation (which queued the completion on the loop).
     */
    boolean offloadsInFlight() {
        return queuedOffloads.get() > 0 || !workers.getQueue().isEmpty() || workers.getActiveCount() > 0;
    }

    /** Called by an offload as a worker picks it up. */
    void offloadStarted() {
        queuedOffloads.decrementAndGet();
    }

    /** Registers something that must wind down before the loops stop (see {@link CloseParticipant}). */
    public void addCloseParticipant(CloseParticipant p) {
        participants.add(Checks.notNull(p, "participant"));
    }

    /** @throws RuntimeClosedException if {@link #close()} has begun */
    public void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    RuntimeClosedException closedException() {
        return new RuntimeClosedException("runtime '" + name + "' is closed: no operation can start on it,"
                + " and every operation pending at close() failed with this exception");
    }

    void offload(OffloadOp<?> op) {
        submittingOffloads.incrementAndGet();
        try {
            workers.execute(op);
            // Counted once it is in the queue (a reader that sees it can rely on that); a worker that
            // picks it up first makes the count dip below zero for a moment: queuedOffloads() clamps.
            queuedOffloads.incrementAndGet();
        } catch (RejectedExecutionException e) {
            if (workers.isShutdown()) {
                op.rejected(closedException());
            } else {
                workerRejections.increment();
                op.rejected(new WorkerPoolFullException(workerThreads, workerQueueCapacity));
            }
        } finally {
            submittingOffloads.decrementAndGet(); // after the queued count went up: never a gap in offloadBacklog()
        }
    }

    /**
     * Closes the runtime: new operations are refused with {@link RuntimeClosedException}; every
     * pending operation fails with it exactly once (listeners run on their loops); close participants
     * (such as a coroutine facade) get up to the close timeout to see their work end; then the loops
     * and workers stop (running offloads are interrupted) and this call returns when their threads
     * have ended. Idempotent: a second call waits for the first to finish.
     *
     * <p>The caller's interrupt status does not cut any of this short: close() waits as promised and
     * returns with the interrupt status set if it was set on entry or the caller was interrupted
     * meanwhile. A loop still blocked after the close timeout (a task, or a loop-carried coroutine
     * that never yields) is reported with a WARN and its thread keeps running; it ends by itself, and
     * runs nothing more, once what blocks it returns.
     *
     * @throws IllegalBlockingCallException if called on a loop thread (it would wait for itself)
     */
    @Override
    public void close() {
        if (isLoopThread()) {
            throw new IllegalBlockingCallException("WeftRuntime.close()");
        }
        // Waits below would return at once with the flag set: hold it back, restore it at the end.
        boolean interrupted = Thread.interrupted();
        try {
            if (closing.compareAndSet(false, true)) {
                interrupted |= closeOnce();
            } else {
                interrupted |= awaitUninterruptibly(closedLatch);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The one close; returns whether the caller was interrupted while it waited. */
    private boolean closeOnce() {
        long deadline = System.nanoTime() + closeTimeout.toNanos();
        Interrupts interrupts = new Interrupts();
        try {
            closed = true;
            RuntimeClosedException ex = closedException();
            List<io.netty.util.concurrent.Future<?>> failed = new ArrayList<>();
            for (Loop l : loops) {
                failed.add(l.eventLoop.submit(() -> l.failPending(ex)));
            }
            for (io.netty.util.concurrent.Future<?> f : failed) {
                f.awaitUninterruptibly(remaining(deadline), TimeUnit.NANOSECONDS);
            }
            for (CloseParticipant p : participants) {
                boolean done = interrupts.untilDone(() -> p.awaitQuiescence(Duration.ofNanos(remaining(deadline))));
                if (!done) {
                    log.warn("{}: {} did not wind down within the close timeout {}", name, p, closeTimeout);
                }
            }
            workers.shutdownNow();
            group.shutdownGracefully(0, Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS)
                    .awaitUninterruptibly(remaining(deadline) + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
            for (Loop l : loops) {
                Thread t = l.thread();
                interrupts.join(t, remaining(deadline) + TimeUnit.SECONDS.toNanos(1));
                if (t.isAlive()) {
                    log.warn("loop {} ({}) still running {} after close began: something blocks it (a task, or a"
                            + " loop-carried coroutine that never yields); it ends by itself once that returns",
                            l.index(), t.getName(), closeTimeout);
                }
            }
            spacers.release(); // after the loops' joins: their neighbours' handles no longer matter
            for (Thread t : spacers.threads()) {
                interrupts.join(t, remaining(deadline) + TimeUnit.SECONDS.toNanos(1));
            }
            boolean terminated = interrupts.untilDone(
                    () -> workers.awaitTermination(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS));
            if (terminated) {
                // The pool terminates from its last worker's exit path: wait for the threads too,
                // so that no thread of this runtime outlives close().
                for (Thread t : workerThreadsStarted) {
                    if (t.getState() != Thread.State.NEW) { // made, then refused by the stopping pool: never runs
                        interrupts.join(t, remaining(deadline) + TimeUnit.SECONDS.toNanos(1));
                    }
                }
            } else {
                log.warn("{}: worker threads still running blocking tasks after close (they ignore interrupts)", name);
            }
        } finally {
            try {
                spacers.release(); // also when something above threw
                stopDiagnostics(interrupts);
                for (Meter m : meters) {
                    registry.remove(m);
                }
            } finally {
                closedLatch.countDown();
            }
        }
        return interrupts.seen;
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** Waits that an interrupt does not cut short; whether one came is remembered for the caller. */
    private static final class Interrupts {
        boolean seen;

        interface Wait {
            boolean done() throws InterruptedException;
        }

        /** Retries {@code w} (which computes its own remaining time) until it answers without an interrupt. */
        boolean untilDone(Wait w) {
            for (;;) {
                try {
                    return w.done();
                } catch (InterruptedException e) {
                    seen = true;
                }
            }
        }

        void join(Thread t, long nanos) {
            long deadline = System.nanoTime() + nanos;
            untilDone(() -> t.join(Duration.ofNanos(Math.max(1, remaining(deadline)))));
        }
    }

    /** Returns whether the caller was interrupted while it waited. */
    private static boolean awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private void registerMeters() {
        for (Loop l : loops) {
            Tags tags = Tags.of("runtime", name, "loop", Integer.toString(l.index()));
            LoopMetrics m = l.metrics;
            counter("weft.loop.tasks", "tasks run by the loop's run queue", tags, l, x -> m.tasks);
            counter("weft.loop.drains", "drain passes over the run queue", tags, l, x -> m.drains);
            counter("weft.loop.iterations", "loop iterations (I/O polls)", tags, l, x -> m.iterations);
            counter("weft.loop.drain.budget.exhausted", "drains cut short to let I/O in", tags, l, x -> m.budgetExhaustions);
            counter("weft.loop.handoffs", "tasks handed over from another thread", tags, l, x -> m.remoteTasks);
            counter("weft.ops", "operations completed", tags.and("outcome", "success"), l, x -> m.succeeded);
            counter("weft.ops", "operations completed", tags.and("outcome", "failure"), l, x -> m.failed);
            counter("weft.ops", "operations completed", tags.and("outcome", "cancelled"), l, x -> m.cancelled);
            counter("weft.ops.late", "completions ignored because the operation had already completed", tags, l,
                    x -> m.lateCompletions.sum());
            counter("weft.loop.task.failures", "tasks and cancel releases that threw with nobody to tell", tags, l, x -> m.failures());
            counter("weft.listener.failures", "listeners that threw", tags, l, x -> m.listenerFailures);
            meters.add(Gauge.builder("weft.loop.pending.ops", l, Loop::pendingOperations)
                    .description("operations pending in the loop's registry").tags(tags).register(registry));
        }
    }

    /**
     * The worker pool as Micrometer's executor meters ({@code executor.active}, {@code .queued},
     * {@code .queue.remaining}, {@code .pool.size}, {@code .pool.core}, {@code .pool.max},
     * {@code .completed}; tags {@code runtime} and {@code name=weft.workers}), plus the offloads it
     * refused, which those do not count.
     */
    private void registerWorkerMeters() {
        Tags tags = Tags.of("runtime", name);
        new ExecutorServiceMetrics(workers, "weft.workers", tags).bindTo(registry);
        // The binder does not hand back what it registered: find it by its tags, for close() to remove.
        meters.addAll(Search.in(registry).tags(tags.and("name", "weft.workers")).meters());
        meters.add(FunctionCounter.builder("weft.workers.rejected", workerRejections, LongAdder::sum)
                .description("offloads refused because every worker was busy and the queue was full")
                .baseUnit("tasks").tags(tags).register(registry));
    }

    /**
     * The diagnostics' meters (their own method: registerMeters has the counters): loop lag and
     * utilisation (with a probe per loop), blocked-loop episodes, pinned virtual threads.
     */
    private void registerDiagnosticMeters(Duration lagInterval) {
        for (Loop l : loops) {
            Tags tags = Tags.of("runtime", name, "loop", Integer.toString(l.index()));
            Timer lag = Timer.builder("weft.loop.lag")
                    .description("how late a probe task scheduled on the loop every " + lagInterval.toMillis()
                            + " ms runs: the delay a task due now sees")
                    .tags(tags).publishPercentiles(0.5, 0.9, 0.99, 0.999).publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
                    .register(registry);
            meters.add(lag);
            LoopProbe p = new LoopProbe(l, lagInterval.toNanos(), lag);
            probes[l.index()] = p;
            meters.add(Gauge.builder("weft.loop.utilization", p, LoopProbe::utilization)
                    .description("share of the last probe interval the loop spent outside its I/O wait (0..1)")
                    .tags(tags).register(registry));
            if (detector != null) {
                BlockedLoopDetector d = detector;
                int i = l.index();
                meters.add(FunctionCounter.builder("weft.loop.blocked", d, x -> x.episodes(i))
                        .description("episodes of the loop blocked beyond the threshold (blocked-loop detector)")
                        .tags(tags).register(registry));
            }
            if (pinning != null) {
                PinningMonitor pm = pinning;
                int i = l.index();
                meters.add(FunctionCounter.builder("weft.coroutines.pinned", pm, x -> x.pinned(i))
                        .description("virtual threads carried by the loop that blocked while pinned (JFR)")
                        .tags(tags).register(registry));
            }
        }
        if (pinning != null) {
            meters.add(FunctionCounter.builder("weft.coroutines.pinned", pinning, PinningMonitor::unattributed)
                    .description("pinned virtual threads no loop of this runtime carried (JFR, JVM-wide)")
                    .tags(Tags.of("runtime", name, "loop", "none")).register(registry));
        }
        for (LoopProbe p : probes) {
            p.start();
        }
    }

    /** The JFR stream, or {@code null} (with a WARN) in a JVM that cannot stream JFR events. */
    private PinningMonitor startPinning(Duration threshold) {
        try {
            return new PinningMonitor(name, loops, threshold);
        } catch (RuntimeException | LinkageError e) {
            log.warn("{}: reportPinning(true), but this JVM cannot stream JFR events ({}); pinning is not reported",
                    name, e.toString());
            return null;
        }
    }

    /** Stops the watchdog, the probes and the pinning stream; joins the watchdog. */
    private void stopDiagnostics(Interrupts interrupts) {
        if (detector != null) {
            detector.stop();
            interrupts.join(detector.thread(), TimeUnit.SECONDS.toNanos(10));
        }
        if (probes != null) {
            for (LoopProbe p : probes) {
                p.stop();
            }
        }
        if (pinning != null) {
            pinning.close();
        }
    }

    private void counter(String meter, String description, Tags tags, Loop loop, ToDoubleFunction<Loop> f) {
        meters.add(FunctionCounter.builder(meter, loop, f).description(description).tags(tags).register(registry));
    }

    @Override
    public String toString() {
        return "WeftRuntime[" + name + ", " + loops.length + " loops, " + transport + (closed ? ", closed]" : "]");
    }

    /** Options for a {@link WeftRuntime}; every setter checks its argument. */
    public static final class Builder {
        private int loops = Runtime.getRuntime().availableProcessors();
        private Transport transport = Transport.valueOf(System.getProperty(TRANSPORT_PROPERTY, "AUTO").toUpperCase());
        private MeterRegistry registry;
        private int workerThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private int workerQueueCapacity = 1024;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private CoroutineScheduler coroutineScheduler = CoroutineScheduler.LOOP_AFFINE;
        private String name;
        private VirtualTime virtualTime;
        private Duration blockedLoopThreshold = thresholdProperty();
        private BlockedLoopHandler blockedLoopHandler;
        private Duration lagProbeInterval = Duration.ofMillis(100);
        private boolean reportPinning;
        private Duration pinningThreshold = Duration.ofMillis(20);

        private Builder() {}

        private static Duration thresholdProperty() {
            String v = System.getProperty(BLOCKED_LOOP_THRESHOLD_PROPERTY);
            if (v == null || v.isBlank()) {
                return Duration.ofMillis(100);
            }
            Duration d;
            try {
                d = v.strip().chars().allMatch(Character::isDigit) ? Duration.ofMillis(Long.parseLong(v.strip()))
                        : Duration.parse(v.strip());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(BLOCKED_LOOP_THRESHOLD_PROPERTY + ": " + v
                        + " (expected: milliseconds such as 100, or an ISO-8601 duration such as PT0.1S; 0 turns it off)", e);
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException(BLOCKED_LOOP_THRESHOLD_PROPERTY + ": " + v + " (expected: >= 0)");
            }
            return d;
        }

        /** Number of event loops (default: available processors). */
        public Builder loops(int loops) {
            this.loops = Checks.positive(loops, "loops");
            return this;
        }

        /** The I/O transport (default {@link Transport#AUTO}). */
        public Builder transport(Transport transport) {
            this.transport = Checks.notNull(transport, "transport");
            return this;
        }

        /** Where to register Weft's meters (default: none). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Checks.notNull(registry, "registry");
            return this;
        }

        /**
         * The worker pool for blocking work: {@code threads} threads and at most {@code queueCapacity}
         * queued tasks; beyond that an offload fails with {@link WorkerPoolFullException}
         * (default: max(4, 2 x cores) threads, 1024 queued).
         */
        public Builder workers(int threads, int queueCapacity) {
            this.workerThreads = Checks.positive(threads, "threads");
            this.workerQueueCapacity = Checks.positive(queueCapacity, "queueCapacity");
            return this;
        }

        /** How long {@link WeftRuntime#close()} waits for work to wind down (default 5 s). */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Checks.positive(timeout, "closeTimeout");
            return this;
        }

        /**
         * Which threads carry this runtime's coroutines (default {@link CoroutineScheduler#LOOP_AFFINE}:
         * the loop's own thread, falling back to {@link CoroutineScheduler#DEFAULT}, with a WARN, in a
         * JVM started without {@code --add-opens java.base/java.lang=ALL-UNNAMED}). Read by
         * {@code Coroutines.of(runtime)}; {@code Coroutines.of(runtime, scheduler)} overrides it.
         */
        public Builder coroutineScheduler(CoroutineScheduler scheduler) {
            this.coroutineScheduler = Checks.notNull(scheduler, "scheduler");
            return this;
        }

        /**
         * The blocked-loop detector's threshold (default 100 ms, or {@value #BLOCKED_LOOP_THRESHOLD_PROPERTY}):
         * a loop that has not come back to its run queue or its I/O poll for this long (a task or a
         * channel handler that blocks or spins, a {@code join()} on the loop, a loop-carried coroutine
         * that does either) is reported once per episode by a watchdog thread, {@code <runtime>-watchdog}:
         * an SLF4J WARN with the loop thread's stack and, when the loop carries a coroutine, the
         * coroutine's own stack; the {@code weft.loop.blocked} counter; the
         * {@link #blockedLoopHandler handler}; then an INFO line when the loop is back, with how long it
         * was blocked. {@link Duration#ZERO} turns the detector off (for a debugger that stops a loop
         * at a breakpoint). Costs the loops no time reading: two plain stores per loop iteration.
         */
        public Builder blockedLoopThreshold(Duration threshold) {
            this.blockedLoopThreshold = Checks.notNegative(threshold, "blockedLoopThreshold");
            return this;
        }

        /** Turns the blocked-loop detector off: same as {@code blockedLoopThreshold(Duration.ZERO)}. */
        public Builder disableBlockedLoopDetector() {
            this.blockedLoopThreshold = Duration.ZERO;
            return this;
        }

        /** Also tells {@code handler} of every blocked-loop episode and its end (default: log lines only). */
        public Builder blockedLoopHandler(BlockedLoopHandler handler) {
            this.blockedLoopHandler = Checks.notNull(handler, "handler");
            return this;
        }

        /**
         * How often each loop's lag probe runs (default 100 ms): the probe feeds {@code weft.loop.lag}
         * and {@code weft.loop.utilization}, and runs only when a {@link #meterRegistry} is given.
         */
        public Builder loopLagProbeInterval(Duration interval) {
            this.lagProbeInterval = Checks.positive(interval, "loopLagProbeInterval");
            return this;
        }

        /**
         * Reports virtual threads that block while pinned to their carrier (default off): a JFR stream
         * on {@code jdk.VirtualThreadPinned}, counted as {@code weft.coroutines.pinned} (per loop when a
         * loop carried it) and logged (WARN with the stack, at most one line per second). On JDK 24+ a
         * virtual thread pins only with a native frame or a class initialiser on its stack; on JDK 21-23
         * also while it holds a monitor. A pinned loop-carried coroutine blocks its loop.
         */
        public Builder reportPinning(boolean report) {
            this.reportPinning = report;
            return this;
        }

        /** The shortest pinned block that {@link #reportPinning} reports (default 20 ms). */
        public Builder pinningThreshold(Duration threshold) {
            this.pinningThreshold = Checks.positive(threshold, "pinningThreshold");
            return this;
        }

        /**
         * For tests: runs the loops' operation timers (delay, schedule, every, timeouts, TCP frame
         * timeouts, in every style) on {@code clock}, which fires them only when the test moves it
         * ({@link VirtualTime#advanceBy}). One clock per runtime. See {@link VirtualTime} for the order
         * timers fire in, what "settled" means, and which timers stay on real time.
         *
         * @throws IllegalStateException at {@link #build()} if {@code clock} already drives another runtime
         */
        public Builder virtualTime(VirtualTime clock) {
            this.virtualTime = Checks.notNull(clock, "clock");
            return this;
        }

        /** The name of the runtime and prefix of its threads (default {@code weft-N}). */
        public Builder name(String name) {
            this.name = Checks.notNull(name, "name");
            return this;
        }

        /** Starts the loops and returns the running runtime. */
        public WeftRuntime build() {
            return new WeftRuntime(this);
        }
    }
}
