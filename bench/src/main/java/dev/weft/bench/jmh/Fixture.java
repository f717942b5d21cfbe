package dev.weft.bench.jmh;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The set-up every per-operation benchmark shares, for one variant (a Weft style or a peer), so each
 * benchmark holds only the operation it measures. Made in a {@code @Setup(Level.Trial)}, closed in the
 * {@code @TearDown}.
 *
 * <p>Every variant gets a one-loop Weft runtime ({@link #loop}, {@link #cb}, {@link #fu}); it idles
 * for the peers other than Reactor, which has no loop of its own and runs on Weft's (as in the
 * scenario's {@code Peers}). The peers' own "loops", made only for them:
 * <ul>
 *   <li>{@code jdk-cf}, {@code jdk-vt}: {@link #jdk}, one single-thread executor
 *       ({@code Executors.newSingleThreadExecutor}, the JDK's one-worker factory), a scheduled one
 *       ({@code newSingleThreadScheduledExecutor}) for a benchmark that needs timers, as in the scenario;</li>
 *   <li>{@code vertx-compose}, {@code vertx-vt}: Vert.x with one event loop, a verticle deployed on it
 *       ({@link #vertxLoop}, its context) and, for {@code vertx-vt}, a virtual-thread verticle
 *       ({@link #vertxVt}: {@code ThreadingModel.VIRTUAL_THREAD}, Vert.x core manual "Virtual threads").</li>
 * </ul>
 *
 * <p>Two ways to run one benchmark invocation, by the variant's kind: {@link #onLoop} for the
 * non-blocking styles (a callback, future or Mono chain started on the variant's loop) and
 * {@link #blocking} for those that write blocking code (a coroutine, a virtual thread, a Vert.x
 * virtual-thread task). Both return the chain's sum, which the benchmark returns to JMH.
 */
final class Fixture implements AutoCloseable {
    /** Weft's styles. */
    static final String CALLBACKS = "callbacks";
    static final String FUTURES = "futures";
    static final String COROUTINES_LOOP = "coroutines-loop";
    static final String COROUTINES_DEFAULT = "coroutines-default";
    /** The peers, named as in the scenario ({@code Variant}). */
    static final String JDK_CF = "jdk-cf";
    static final String JDK_VT = "jdk-vt";
    static final String VERTX_COMPOSE = "vertx-compose";
    static final String VERTX_VT = "vertx-vt-await";
    static final String REACTOR = "reactor-mono";

    final String variant;
    final WeftRuntime rt;
    final Loop loop;
    final Callbacks cb;
    final Futures fu;
    /** For the coroutine variants: the facade on the scheduler they name; else null. */
    final Coroutines co;
    /** For the jdk-* variants; else null. A {@link ScheduledExecutorService} when made with timers. */
    final ExecutorService jdk;
    /** For the vertx-* variants; else null. */
    final Vertx vertx;
    /** The event-loop verticle's context (vertx-*: ops complete here); else null. */
    final Context vertxLoop;
    /** The virtual-thread verticle's context (vertx-vt only); else null. */
    final Context vertxVt;

    /** A fixture for {@code variant}, whose JDK loop (for jdk-*) is a plain single-thread executor. */
    Fixture(String variant) {
        this(variant, false);
    }

    /**
     * A fixture for {@code variant}; {@code timers}: the JDK loop (for jdk-*) is a single-thread
     * scheduled executor (its queue is a delay queue, dearer per task than the plain one's).
     */
    Fixture(String variant, boolean timers) {
        this.variant = variant;
        rt = WeftRuntime.builder().loops(1).name("jmh-" + variant).build();
        loop = rt.loop(0);
        cb = Callbacks.of(rt).on(loop);
        fu = Futures.of(rt).on(loop);
        co = switch (variant) {
            case COROUTINES_LOOP -> {
                Coroutines c = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
                if (c.scheduler() != CoroutineScheduler.LOOP_AFFINE) {
                    rt.close();
                    throw new IllegalStateException("loop-affine scheduler unavailable: " + c.fallbackReason());
                }
                yield c;
            }
            case COROUTINES_DEFAULT -> Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            default -> null;
        };
        if (variant.startsWith("jdk-")) {
            ThreadFactory tf = r -> new Thread(r, "jdk-loop");
            jdk = timers ? Executors.newSingleThreadScheduledExecutor(tf) : Executors.newSingleThreadExecutor(tf);
        } else {
            jdk = null;
        }
        if (variant.startsWith("vertx-")) {
            vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
            vertxLoop = deploy(vertx, ThreadingModel.EVENT_LOOP);
            vertxVt = variant.equals(VERTX_VT) ? deploy(vertx, ThreadingModel.VIRTUAL_THREAD) : null;
        } else {
            vertx = null;
            vertxLoop = null;
            vertxVt = null;
        }
    }

    /** The JDK loop as a scheduled executor (made with {@code timers}). */
    ScheduledExecutorService jdkTimers() {
        return (ScheduledExecutorService) jdk;
    }

    /** Deploys one empty verticle with {@code model} and returns its context. */
    private static Context deploy(Vertx vertx, ThreadingModel model) {
        CompletableFuture<Context> ctx = new CompletableFuture<>();
        join(vertx.deployVerticle(new VerticleBase() {
            @Override
            public Future<?> start() throws Exception {
                ctx.complete(context);
                return super.start();
            }
        }, new DeploymentOptions().setThreadingModel(model)));
        return ctx.join();
    }

    static <T> T join(Future<T> f) {
        return f.toCompletionStage().toCompletableFuture().join();
    }

    /** Whether this variant writes blocking code (coroutines, virtual threads): run it with {@link #blocking}. */
    boolean isBlocking() {
        return co != null || variant.equals(JDK_VT) || variant.equals(VERTX_VT);
    }

    /**
     * Runs {@code start} on the variant's loop thread (Weft's loop for callbacks, futures and Reactor;
     * the executor for jdk-cf; the verticle's context for vertx-compose) and waits for the sum it
     * completes {@code done} with.
     */
    long onLoop(Consumer<CompletableFuture<Long>> start) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Runnable r = () -> start.accept(done);
        switch (variant) {
            case JDK_CF -> jdk.execute(r);
            case VERTX_COMPOSE -> vertxLoop.runOnContext(v -> r.run());
            case CALLBACKS, FUTURES, REACTOR -> loop.execute(r);
            default -> throw new IllegalArgumentException("variant: '" + variant + "' (expected a non-blocking one)");
        }
        return done.join();
    }

    /**
     * Runs {@code body} as the variant's blocking unit (a coroutine launched on the loop; a new virtual
     * thread; a task of the Vert.x virtual-thread verticle, which runs on a virtual thread of its own)
     * and waits for its result.
     */
    long blocking(Callable<Long> body) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Runnable r = () -> {
            try {
                done.complete(body.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        };
        switch (variant) {
            case COROUTINES_LOOP, COROUTINES_DEFAULT -> co.launch(loop, () -> {
                r.run();
                return null;
            });
            case JDK_VT -> Thread.ofVirtual().start(r);
            case VERTX_VT -> vertxVt.runOnContext(v -> r.run());
            default -> throw new IllegalArgumentException("variant: '" + variant + "' (expected a blocking one)");
        }
        return done.join();
    }

    @Override
    public void close() {
        rt.close();
        if (jdk != null) {
            jdk.shutdownNow();
        }
        if (vertx != null) {
            join(vertx.close());
        }
    }
}
