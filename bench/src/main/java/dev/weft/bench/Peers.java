package dev.weft.bench;

import dev.weft.bench.ScenarioOptions.Io;
import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import dev.weft.core.WeftRuntime;
import dev.weft.core.tcp.TcpConnection;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * The peers (issue 14): the scenario's workload written on the libraries users pick instead of Weft,
 * each the way its own documentation recommends, doing exactly the same work as Weft's variants: N
 * tasks of K sequential async steps, step {@code s} of task {@code id} yielding
 * {@link Steps#compute}, summed into the same checksum.
 *
 * <p>What "a step" is for each io mode, per peer (the op must complete later, from the loop):
 * <ul>
 *   <li>tick: a task on the peer's own loop on a later turn (JDK: {@code Executor.execute}; Vert.x:
 *       {@code Context.runOnContext}; Reactor: Weft's {@code Loop.tick}, Reactor having no loop);
 *   <li>timer: the peer's own zero-delay timer (JDK: {@code ScheduledExecutorService.schedule(0)};
 *       Vert.x: {@code vertx.timer(1, NANOSECONDS)}, its smallest legal delay; Reactor: Weft's
 *       {@code Loop.schedule(ZERO)});
 *   <li>tcp: Vert.x's {@code NetClient} speaking the same 4-byte-length framing to the same echo
 *       server, pipelined on the same number of connections; Reactor over Weft's own TCP op
 *       (reactor-netty's {@code TcpClient} exposes a connection as byte streams with no request/reply
 *       correlation, so pipelining N requesters over 64 connections would be our code, not its);
 *       plain JDK: not available (the JDK has no async framed TCP client).
 * </ul>
 *
 * <p>Peers use Weft only where said above; their Weft runtime (made by the runner for every variant)
 * otherwise idles, so its loop counters stay at zero.
 */
final class Peers {
    private Peers() {}

    static Workload create(Variant v, WeftRuntime rt, ScenarioOptions o, EchoServer echo) {
        return switch (v) {
            case JDK_CF -> new JdkCf(rt, o);
            case JDK_VT -> new JdkVt(rt, o);
            case VERTX_COMPOSE -> new VertxWorkload(rt, o, echo, ThreadingModel.EVENT_LOOP);
            case VERTX_VT -> new VertxWorkload(rt, o, echo, ThreadingModel.VIRTUAL_THREAD);
            case REACTOR_MONO -> new ReactorMono(rt, o);
            default -> throw new IllegalArgumentException("not a peer: " + v.label);
        };
    }

    /** The versions this bench runs the peers on, e.g. {@code "Vert.x 5.2.3, reactor-core 3.8.7, Netty 4.2.18.Final"}. */
    static String versions() {
        Properties p = new Properties();
        try (InputStream in = Peers.class.getResourceAsStream("peers.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // versions stay unknown
        }
        String vertx = p.getProperty("vertx", "?");
        try (InputStream in = Vertx.class.getResourceAsStream("/META-INF/vertx/vertx-version.txt")) {
            if (in != null) {
                vertx = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim(); // what runs, not what was asked
            }
        } catch (IOException e) {
            // keep the built-against version
        }
        String netty = p.getProperty("netty", "?");
        for (io.netty.util.Version nv : io.netty.util.Version.identify().values()) {
            netty = nv.artifactVersion(); // every io.netty artifact is managed to one version (Weft's netty-bom)
            break;
        }
        return "Vert.x " + vertx + ", reactor-core " + p.getProperty("reactor-core", "?") + ", Netty " + netty;
    }

    /** A peer's task starts on the peer's own loop, not through {@link Workload#start}. */
    abstract static class PeerWorkload extends Workload {
        PeerWorkload(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
        }

        @Override
        final void start(Loop loop, int id, Sink sink) {
            throw new UnsupportedOperationException("a peer starts its tasks on its own loops (startAll)");
        }

        @Override
        abstract void startAll(int n, Sink sink);
    }

    // ------------------------------------------------------------------ plain JDK

    /**
     * The JDK's "loops": one single-thread executor per loop, a scheduled one for {@code --io timer}
     * ({@code Executors.newSingleThreadExecutor()} / {@code newSingleThreadScheduledExecutor()}, the
     * factories the {@code Executors} javadoc offers for one worker thread).
     */
    abstract static class JdkWorkload extends PeerWorkload {
        final ExecutorService[] loops;

        JdkWorkload(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
            loops = new ExecutorService[o.loops];
            for (int i = 0; i < loops.length; i++) {
                String name = "jdk-loop-" + i;
                ThreadFactory tf = r -> new Thread(r, name);
                loops[i] = o.io == Io.TIMER ? Executors.newSingleThreadScheduledExecutor(tf)
                        : Executors.newSingleThreadExecutor(tf);
            }
        }

        @Override
        String unavailable() {
            return io == Io.TCP ? "the JDK has no async framed TCP client (Weft's futures variant is a"
                    + " CompletableFuture chain over Weft's TCP op)" : null;
        }

        /** One step: a CompletableFuture the loop completes on a later turn (tick) or from a zero-delay timer. */
        final CompletableFuture<Integer> step(ExecutorService loop, int id, int step) {
            if (io == Io.TIMER) {
                // Scheduled directly on the loop: CompletableFuture.delayedExecutor would add a hop
                // through the JDK's shared delayer thread on every step.
                CompletableFuture<Integer> f = new CompletableFuture<>();
                ((ScheduledExecutorService) loop).schedule(() -> f.complete(Steps.compute(id, step, workIters)), 0,
                        TimeUnit.NANOSECONDS);
                return f;
            }
            // CompletableFuture javadoc: supplyAsync(Supplier, Executor) runs the supplier on the executor.
            return CompletableFuture.supplyAsync(() -> Steps.compute(id, step, workIters), loop);
        }

        @Override
        void quiesce() {
            for (ExecutorService l : loops) {
                CompletableFuture.runAsync(() -> { }, l).join();
            }
        }

        @Override
        public void close() {
            for (ExecutorService l : loops) {
                l.shutdownNow();
            }
            super.close();
        }
    }

    /**
     * Plain JDK, futures: a {@code thenCompose} chain (CompletableFuture javadoc, "CompletionStage"
     * methods: a non-async dependent runs on the thread that completes the stage, here the loop),
     * the same chain Weft's futures variant builds.
     */
    static final class JdkCf extends JdkWorkload {
        JdkCf(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
        }

        @Override
        void startAll(int n, Sink sink) {
            for (int i = 0; i < loops.length; i++) {
                ExecutorService loop = loops[i];
                int first = i;
                loop.execute(() -> {
                    for (int id = first; id < n; id += loops.length) {
                        run(loop, id, 0, 0).whenComplete((sum, e) -> {
                            if (e != null) {
                                sink.failed(e);
                            } else {
                                sink.done(sum);
                            }
                        });
                    }
                });
            }
        }

        private CompletableFuture<Long> run(ExecutorService loop, int id, int step, long sum) {
            return step(loop, id, step).thenCompose(v -> {
                long s = sum + v;
                return step + 1 < k ? run(loop, id, step + 1, s) : CompletableFuture.completedFuture(s);
            });
        }
    }

    /**
     * Plain JDK, virtual threads: one virtual thread per task on the default scheduler, written as
     * blocking code that waits for each step with {@code join()} (JEP 444, "Using virtual threads":
     * write straightforward synchronous code and block; do not pool virtual threads).
     */
    static final class JdkVt extends JdkWorkload {
        private static final ThreadFactory VIRTUAL = Thread.ofVirtual().name("jdk-vt").factory();
        private final AtomicInteger live = new AtomicInteger();

        JdkVt(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
        }

        @Override
        void startAll(int n, Sink sink) {
            for (int i = 0; i < loops.length; i++) {
                ExecutorService loop = loops[i];
                int first = i;
                loop.execute(() -> {
                    for (int id = first; id < n; id += loops.length) {
                        int task = id;
                        live.incrementAndGet();
                        VIRTUAL.newThread(() -> {
                            try {
                                long sum = 0;
                                for (int s = 0; s < k; s++) {
                                    sum += step(loop, task, s).join();
                                }
                                sink.done(sum);
                            } catch (Throwable t) {
                                sink.failed(t);
                            } finally {
                                live.decrementAndGet();
                            }
                        }).start();
                    }
                });
            }
        }

        @Override
        void quiesce() {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (live.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
            super.quiesce();
        }
    }

    // ------------------------------------------------------------------ Vert.x

    /**
     * Vert.x 5, one verticle instance per loop ({@code DeploymentOptions.setInstances}), each on its
     * own event loop ({@code VertxOptions.setEventLoopPoolSize(loops)}), native transport preferred as
     * Weft's runtime does (epoll where it loads).
     *
     * <ul>
     *   <li>{@link ThreadingModel#EVENT_LOOP}: a {@code Future.compose} chain (Vert.x core manual,
     *       "Future composition": compose runs the next async operation when the previous succeeds);
     *   <li>{@link ThreadingModel#VIRTUAL_THREAD}: each task is blocking-style code on the verticle's
     *       virtual-thread context, {@code future.await()} per step (Vert.x core manual, "Virtual
     *       threads": "await ... suspends the virtual thread until the future completes"). The op of a
     *       tick step runs on an event-loop context, as the I/O a virtual-thread verticle awaits would.
     * </ul>
     */
    static final class VertxWorkload extends PeerWorkload {
        private final ThreadingModel model;
        private final Vertx vertx;
        /** Per loop: the verticle's context (tasks run there) and an event-loop context (tick ops run there). */
        private final Context[] taskContexts;
        private final Context[] opContexts;
        /** For --io tcp: per loop, that loop's connections. */
        private FramedSocket[][] sockets;
        private final AtomicInteger live = new AtomicInteger();

        VertxWorkload(WeftRuntime rt, ScenarioOptions o, EchoServer echo, ThreadingModel model) {
            super(rt, o);
            this.model = model;
            this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(o.loops)
                    .setPreferNativeTransport(true));
            List<Context> deployed = new CopyOnWriteArrayList<>();
            join(vertx.deployVerticle(() -> new VerticleBase() {
                @Override
                public Future<?> start() throws Exception {
                    deployed.add(context);
                    return super.start();
                }
            }, new DeploymentOptions().setThreadingModel(model).setInstances(o.loops)));
            taskContexts = deployed.toArray(new Context[0]);
            opContexts = new Context[taskContexts.length];
            for (int i = 0; i < opContexts.length; i++) {
                if (model == ThreadingModel.EVENT_LOOP) {
                    opContexts[i] = taskContexts[i];
                } else {
                    // From a non-Vert.x thread, getOrCreateContext makes a new event-loop context.
                    opContexts[i] = CompletableFuture.supplyAsync(vertx::getOrCreateContext).join();
                }
            }
            if (o.io == Io.TCP) {
                NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
                sockets = new FramedSocket[taskContexts.length][];
                for (int i = 0; i < taskContexts.length; i++) {
                    int mine = Math.max(1, o.connections / taskContexts.length
                            + (i < o.connections % taskContexts.length ? 1 : 0));
                    sockets[i] = new FramedSocket[mine];
                    for (int c = 0; c < mine; c++) {
                        Promise<NetSocket> p = Promise.promise();
                        // Connected from the verticle's context, so the socket's handlers run there.
                        taskContexts[i].runOnContext(v -> client.connect(echo.address().getPort(),
                                echo.address().getHostString()).onComplete(p));
                        sockets[i][c] = new FramedSocket(join(p.future()));
                    }
                }
            }
        }

        private static <T> T join(Future<T> f) {
            return f.toCompletionStage().toCompletableFuture().join();
        }

        @Override
        void startAll(int n, Sink sink) {
            for (int i = 0; i < taskContexts.length; i++) {
                int loop = i;
                int loops = taskContexts.length;
                if (model == ThreadingModel.EVENT_LOOP) {
                    taskContexts[i].runOnContext(v -> {
                        for (int id = loop; id < n; id += loops) {
                            run(loop, id, 0, 0).onComplete(sink::done, sink::failed);
                        }
                    });
                } else {
                    for (int id = loop; id < n; id += loops) {
                        int task = id;
                        live.incrementAndGet();
                        // Each runOnContext task of a virtual-thread context runs on its own virtual thread.
                        taskContexts[i].runOnContext(v -> {
                            try {
                                long sum = 0;
                                for (int s = 0; s < k; s++) {
                                    sum += step(loop, task, s).await();
                                }
                                sink.done(sum);
                            } catch (Throwable t) {
                                sink.failed(t);
                            } finally {
                                live.decrementAndGet();
                            }
                        });
                    }
                }
            }
        }

        private Future<Long> run(int loop, int id, int step, long sum) {
            return step(loop, id, step).compose(v -> {
                long s = sum + v;
                return step + 1 < k ? run(loop, id, step + 1, s) : Future.succeededFuture(s);
            });
        }

        private Future<Integer> step(int loop, int id, int step) {
            return switch (io) {
                case TICK -> {
                    Promise<Integer> p = Promise.promise();
                    opContexts[loop].runOnContext(v -> p.complete(Steps.compute(id, step, workIters)));
                    yield p.future();
                }
                // vertx.timer is the documented future-returning timer; it rejects a zero delay (and
                // setTimer anything under 1 ms), so 1 ns, which Netty's scheduler treats as due now.
                case TIMER -> vertx.timer(1, TimeUnit.NANOSECONDS).map(v -> Steps.compute(id, step, workIters));
                case TCP -> {
                    FramedSocket[] mine = sockets[loop];
                    yield mine[(id / taskContexts.length) % mine.length].request(Steps.compute(id, step, workIters));
                }
            };
        }

        @Override
        void quiesce() {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (live.get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                Thread.yield();
            }
            for (Context c : opContexts) {
                Promise<Void> p = Promise.promise();
                c.runOnContext(v -> p.complete());
                join(p.future());
            }
        }

        @Override
        public void close() {
            join(vertx.close());
            super.close();
        }
    }

    /**
     * A Vert.x {@link NetSocket} speaking the echo server's framing (a 4-byte big-endian length, then
     * the frame), pipelined: requests are written as they come and replies, which the server sends in
     * order, complete the oldest pending request. Frames are cut with {@link RecordParser} in fixed-size
     * mode (Vert.x core manual, "Record Parser": length-prefixed records switch between two fixed sizes).
     * Used only from the socket's context.
     */
    static final class FramedSocket {
        private final NetSocket socket;
        private final ArrayDeque<Promise<Integer>> pending = new ArrayDeque<>();

        FramedSocket(NetSocket socket) {
            this.socket = socket;
            RecordParser parser = RecordParser.newFixed(4);
            parser.handler(new io.vertx.core.Handler<>() {
                private boolean header = true;

                @Override
                public void handle(Buffer b) {
                    if (header) {
                        parser.fixedSizeMode(b.getInt(0));
                    } else {
                        pending.poll().complete(b.getInt(0));
                        parser.fixedSizeMode(4);
                    }
                    header = !header;
                }
            });
            socket.handler(parser);
        }

        Future<Integer> request(int value) {
            Promise<Integer> p = Promise.promise();
            pending.add(p);
            socket.write(Buffer.buffer(8).appendInt(4).appendInt(value));
            return p.future();
        }
    }

    // ------------------------------------------------------------------ Reactor

    /**
     * Reactor: a {@code Mono.flatMap} chain on Weft's loop (reactor-core has no event loop of its own:
     * operators run on the thread that signals). Each step is a Weft op bridged with {@code Mono.create}
     * (Reactor reference, "Programmatically creating a sequence": create bridges a callback-based API;
     * {@code MonoSink.success} for the value).
     */
    static final class ReactorMono extends Workload {
        ReactorMono(WeftRuntime rt, ScenarioOptions o) {
            super(rt, o);
        }

        @Override
        void start(Loop loop, int id, Sink sink) {
            run(loop, id, 0, 0).subscribe(sink::done, sink::failed);
        }

        private Mono<Long> run(Loop loop, int id, int step, long sum) {
            return step(loop, id, step).flatMap(v -> {
                long s = sum + v;
                return step + 1 < k ? run(loop, id, step + 1, s) : Mono.just(s);
            });
        }

        private Mono<Integer> step(Loop loop, int id, int step) {
            return Mono.create(sink -> {
                OpListener<Integer> done = (v, e) -> {
                    if (e != null) {
                        sink.error(e);
                    } else {
                        sink.success(v);
                    }
                };
                switch (io) {
                    case TICK -> loop.tick(() -> Steps.compute(id, step, workIters), done);
                    case TIMER -> loop.schedule(Duration.ZERO, () -> Steps.compute(id, step, workIters), done);
                    case TCP -> {
                        TcpConnection c = connection(loop, id);
                        c.request(EchoServer.encode(c, Steps.compute(id, step, workIters)),
                                (OpListener<ByteBuf>) (reply, e) -> done.onComplete(e == null ? EchoServer.decode(reply) : null, e));
                    }
                }
            });
        }
    }
}
