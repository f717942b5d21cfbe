package dev.weft.bench;

import dev.weft.bench.ScenarioOptions.Io;
import dev.weft.callbacks.Callback;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.LoopStats;
import dev.weft.core.Op;
import dev.weft.core.WeftRuntime;
import dev.weft.core.CoroutineScheduler;
import dev.weft.coroutines.CoroutineStats;
import dev.weft.coroutines.Coroutines;
import dev.weft.core.tcp.TcpConnection;
import dev.weft.futures.Futures;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * One variant's code for one task of K steps, written in that style the way a performance-minded
 * user of the style would write it, through Weft's public facades. Every step is the same core
 * operation (the --io mode), so the only difference between variants is the cost of the style.
 *
 * <p>Tasks are started on their loop's thread (as work that arrives on a loop in a server would be).
 */
abstract class Workload implements AutoCloseable {

    /** Where a task reports its result. */
    interface Sink {
        void done(long sum);

        void failed(Throwable t);
    }

    final WeftRuntime runtime;
    final int k;
    final Io io;
    final long workIters;
    /** For --io tcp: this variant's connections to the echo server, [loop][i]; null otherwise. */
    private TcpConnection[][] conns;

    Workload(WeftRuntime runtime, ScenarioOptions o) {
        this.runtime = runtime;
        this.k = o.k;
        this.io = o.io;
        this.workIters = Steps.iterationsFor(o.workNs);
    }

    static Workload create(Variant v, WeftRuntime rt, ScenarioOptions o, EchoServer echo) {
        Workload w = of(v, rt, o, echo);
        if (o.io == Io.TCP && !v.isFloor()) {
            w.conns = echo.connect(rt, o.connections);
        }
        return w;
    }

    /** The connection task {@code id} uses (tasks of a loop share that loop's connections). */
    final TcpConnection connection(Loop loop, int id) {
        TcpConnection[] mine = conns[loop.index()];
        return mine[(id / conns.length) % mine.length];
    }

    private static Workload of(Variant v, WeftRuntime rt, ScenarioOptions o, EchoServer echo) {
        if (v.peer) {
            return Peers.create(v, rt, o, echo);
        }
        return switch (v) {
            case CALLBACKS -> new CallbacksWorkload(rt, o);
            case FUTURES -> new FuturesWorkload(rt, o);
            case COROUTINES_LOOP -> new CoroutinesWorkload(rt, o, CoroutineScheduler.LOOP_AFFINE);
            case COROUTINES_DEFAULT -> new CoroutinesWorkload(rt, o, CoroutineScheduler.DEFAULT);
            case BUSY_YIELD -> new BusyYieldWorkload(rt, o, CoroutineScheduler.LOOP_AFFINE);
            case BUSY_YIELD_DEFAULT -> new BusyYieldWorkload(rt, o, CoroutineScheduler.DEFAULT);
            case FLOOR_VT -> new FloorVt(rt, o);
            case FLOOR_NETTY -> new NettyFloorWorkload(rt, o);
            default -> throw new IllegalArgumentException("no workload for " + v.label);
        };
    }

    /**
     * Runs {@code starter} (which calls {@link #start} for the tasks of {@code loop}) where the tasks
     * of that loop start: on the loop; a floor without Weft code runs it on its own thread.
     */
    void post(Loop loop, Runnable starter) {
        loop.execute(starter);
    }

    /** Starts task {@code id}; called on {@code loop}'s thread (or where {@link #post} ran it). */
    abstract void start(Loop loop, int id, Sink sink);

    /**
     * Starts the {@code n} tasks of one repetition, each on its loop's thread: task {@code id} on loop
     * {@code id % loops}. A peer overrides this to start them on its own loops.
     */
    void startAll(int n, Sink sink) {
        java.util.List<Loop> loops = runtime.loops();
        for (Loop l : loops) {
            post(l, () -> {
                for (int id = l.index(); id < n; id += loops.size()) {
                    start(l, id, sink);
                }
            });
        }
    }

    /** Coroutine counters, or null for styles without coroutines. */
    CoroutineStats coroutineStats() {
        return null;
    }

    /** Why this variant cannot run as asked (e.g. the loop-affine scheduler is unavailable), or null. */
    String unavailable() {
        return null;
    }

    LoopStats loopStats() {
        return runtime.stats();
    }

    /**
     * After a repetition, outside the timed part: let what the tasks left behind finish (coroutines
     * end after reporting their sum) and let every loop run what is queued, so counters taken between
     * repetitions are exact.
     */
    void quiesce() {
        for (Loop l : runtime.loops()) {
            CompletableFuture<Void> turned = new CompletableFuture<>();
            l.execute(() -> turned.complete(null));
            turned.join();
        }
    }

    @Override
    public void close() {
        runtime.close();
    }

    // ------------------------------------------------------------------ callbacks

    static final class CallbacksWorkload extends Workload {
        private final Callbacks[] perLoop;

        CallbacksWorkload(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
            Callbacks cb = Callbacks.of(rt);
            perLoop = new Callbacks[rt.loops().size()];
            for (Loop l : rt.loops()) {
                perLoop[l.index()] = cb.on(l);
            }
        }

        @Override
        void start(Loop loop, int id, Sink sink) {
            new Task(this, perLoop[loop.index()], id, sink).next();
        }

        /** One task: its own step callable and completion callback (a state machine, no per-step lambda). */
        private static final class Task implements Callable<Integer>, Callback<Integer> {
            private final CallbacksWorkload w;
            private final Callbacks cb;
            private final int id;
            private final Sink sink;
            private int step;
            private long sum;
            private Callback<ByteBuf> tcpReply;

            /** For --io tcp: decodes the echoed value into this task's callback (one per task). */
            private Callback<ByteBuf> tcpReply() {
                if (tcpReply == null) {
                    tcpReply = (reply, e) -> onComplete(e == null ? EchoServer.decode(reply) : null, e);
                }
                return tcpReply;
            }

            Task(CallbacksWorkload w, Callbacks cb, int id, Sink sink) {
                this.w = w;
                this.cb = cb;
                this.id = id;
                this.sink = sink;
            }

            void next() {
                switch (w.io) {
                    case TICK -> cb.tick(this, this);
                    case TIMER -> cb.schedule(Duration.ZERO, this, this);
                    case TCP -> {
                        TcpConnection c = w.connection(cb.runtime().loop(), id);
                        cb.request(c, EchoServer.encode(c, call()), tcpReply());
                    }
                }
            }

            @Override
            public Integer call() {
                return Steps.compute(id, step, w.workIters);
            }

            @Override
            public void onComplete(Integer value, Throwable failure) {
                if (failure != null) {
                    sink.failed(failure);
                    return;
                }
                sum += value;
                if (++step < w.k) {
                    next();
                } else {
                    sink.done(sum);
                }
            }
        }
    }

    // ------------------------------------------------------------------ futures

    static final class FuturesWorkload extends Workload {
        private final Futures[] perLoop;

        FuturesWorkload(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
            Futures fu = Futures.of(rt);
            perLoop = new Futures[rt.loops().size()];
            for (Loop l : rt.loops()) {
                perLoop[l.index()] = fu.on(l);
            }
        }

        @Override
        void start(Loop loop, int id, Sink sink) {
            run(perLoop[loop.index()], id, 0, 0).whenComplete((sum, e) -> {
                if (e != null) {
                    sink.failed(e);
                } else {
                    sink.done(sum);
                }
            });
        }

        private CompletableFuture<Long> run(Futures fu, int id, int step, long sum) {
            return step(fu, id, step).thenCompose(v -> {
                long s = sum + v;
                return step + 1 < k ? run(fu, id, step + 1, s) : CompletableFuture.completedFuture(s);
            });
        }

        private CompletableFuture<Integer> step(Futures fu, int id, int step) {
            return switch (io) {
                case TICK -> fu.tick(() -> Steps.compute(id, step, workIters));
                case TIMER -> fu.schedule(Duration.ZERO, () -> Steps.compute(id, step, workIters));
                case TCP -> {
                    TcpConnection c = connection(fu.runtime().loop(), id);
                    yield fu.request(c, EchoServer.encode(c, Steps.compute(id, step, workIters)))
                            .thenApply(EchoServer::decode);
                }
            };
        }
    }

    // ------------------------------------------------------------------ coroutines

    static class CoroutinesWorkload extends Workload {
        final Coroutines co;
        final CoroutineScheduler wanted;

        CoroutinesWorkload(WeftRuntime rt, ScenarioOptions o, CoroutineScheduler scheduler) {
            super(rt, o);
            this.wanted = scheduler;
            this.co = Coroutines.of(rt, scheduler);
        }

        @Override
        String unavailable() {
            return co.scheduler() == wanted ? null : "loop-affine scheduler unavailable: " + co.fallbackReason();
        }

        @Override
        CoroutineStats coroutineStats() {
            return co.stats();
        }

        @Override
        void quiesce() {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (co.liveCoroutines() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
            super.quiesce();
        }

        @Override
        void start(Loop loop, int id, Sink sink) {
            co.launch(loop, () -> {
                long sum = 0;
                try {
                    for (int step = 0; step < k; step++) {
                        sum += step(id, step);
                    }
                } catch (Throwable t) {
                    sink.failed(t);
                    return null;
                }
                sink.done(sum);
                return null;
            });
        }

        int step(int id, int step) {
            return switch (io) {
                case TICK -> co.tick(() -> Steps.compute(id, step, workIters));
                case TIMER -> co.schedule(Duration.ZERO, () -> Steps.compute(id, step, workIters));
                case TCP -> {
                    TcpConnection c = connection(Coroutines.current().loop(), id);
                    yield EchoServer.decode(co.request(c, EchoServer.encode(c, Steps.compute(id, step, workIters))));
                }
            };
        }
    }

    /**
     * The naive cooperative version the article describes: start the operation without suspending
     * on it, then give up the carrier with {@code Thread.yield()} until it is done. Every waiting
     * coroutine is rescheduled on every round, whether its operation completed or not.
     */
    static final class BusyYieldWorkload extends CoroutinesWorkload {
        BusyYieldWorkload(WeftRuntime rt, ScenarioOptions o, CoroutineScheduler scheduler) {
            super(rt, o, scheduler);
        }

        @Override
        int step(int id, int step) {
            Loop loop = Coroutines.current().loop();
            Callable<Integer> task = () -> Steps.compute(id, step, workIters);
            if (io == Io.TCP) {
                TcpConnection c = connection(loop, id);
                Op<ByteBuf> req = c.request(EchoServer.encode(c, Steps.compute(id, step, workIters)), null);
                while (!req.isDone()) {
                    co.yieldNow();
                }
                return EchoServer.decode(req.getOrThrow());
            }
            Op<Integer> op = io == Io.TICK ? loop.tick(task, null) : loop.schedule(Duration.ZERO, task, null);
            while (!op.isDone()) {
                co.yieldNow();
            }
            return op.getOrThrow();
        }
    }
}
