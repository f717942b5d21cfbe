package dev.weft.bench.jmh;

import dev.weft.callbacks.Callback;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;

/**
 * The cost of one async step in each style (the "hop" of the per-operation table): start an operation
 * that completes on the loop (a task on a later turn of its run queue), and continue when it has. For
 * coroutines that is exactly one suspend (park) and one resume (unpark), under each scheduler. One
 * invocation runs a chain of {@value #STEPS} steps on a one-loop runtime, started from the loop; the
 * score is ns per step. {@code jdk-executor} is the baseline: the same chain of callbacks on a plain
 * JDK single-thread executor, no Weft. The peers do the same step their own way: {@code jdk-cf} a
 * {@code supplyAsync(task, loop).thenCompose} chain on that executor (CompletableFuture javadoc),
 * {@code jdk-vt} a virtual thread blocking on {@code supplyAsync(task, loop).join()} (JEP 444),
 * {@code reactor-mono} a {@code Mono.flatMap} chain over Weft's {@code loop.submit} bridged with
 * {@code Mono.create} (Reactor reference, "Programmatically creating a sequence"; Reactor has no loop).
 * Vert.x has no "run this on the loop and give me a future": its step is a promise completed by
 * {@code runOnContext}, measured in {@link AwaitBenchmark} ({@code pending}).
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh -prof gc SuspendResume
 * </pre>
 */
@State(Scope.Benchmark)
public class SuspendResumeBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;

    @Param({"jdk-executor", "callbacks", "futures", "coroutines-loop", "coroutines-default", "jdk-cf", "jdk-vt",
            "reactor-mono"})
    public String style;

    private Fixture f;
    private Loop loop;
    private ExecutorService jdk;

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(style.equals("jdk-executor") ? Fixture.JDK_CF : style);
        loop = f.loop;
        jdk = f.jdk;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long chain() {
        switch (style) {
            case "jdk-executor" -> {
                CompletableFuture<Long> done = new CompletableFuture<>();
                jdk.execute(() -> new JdkChain(jdk, done).run());
                return done.join();
            }
            case "jdk-vt" -> {
                return f.blocking(() -> {
                    long sum = 0;
                    for (int i = 0; i < STEPS; i++) {
                        final int k = i;
                        sum += CompletableFuture.supplyAsync(() -> k & 7, jdk).join();
                    }
                    return sum;
                });
            }
            case "coroutines-loop", "coroutines-default" -> {
                return f.blocking(() -> {
                    long sum = 0;
                    for (int i = 0; i < STEPS; i++) {
                        final int k = i;
                        sum += f.co.submit(() -> k & 7);
                    }
                    return sum;
                });
            }
            default -> {
                return f.onLoop(done -> {
                    switch (style) {
                        case "callbacks" -> new CallbackChain(f.cb, done).next();
                        case "futures" -> futureChain(0, 0).thenAccept(done::complete);
                        case "jdk-cf" -> jdkChain(0, 0).thenAccept(done::complete);
                        default -> reactorChain(0, 0).subscribe(done::complete);
                    }
                });
            }
        }
    }

    private CompletableFuture<Long> futureChain(int k, long sum) {
        return f.fu.submit(() -> k & 7).thenCompose(v -> k + 1 < STEPS ? futureChain(k + 1, sum + v)
                : CompletableFuture.completedFuture(sum + v));
    }

    private CompletableFuture<Long> jdkChain(int k, long sum) {
        return CompletableFuture.supplyAsync(() -> k & 7, jdk).thenCompose(v -> k + 1 < STEPS
                ? jdkChain(k + 1, sum + v) : CompletableFuture.completedFuture(sum + v));
    }

    private Mono<Long> reactorChain(int k, long sum) {
        return Mono.<Integer>create(sink -> loop.submit(() -> k & 7, (OpListener<Integer>) (v, e) -> {
            if (e != null) {
                sink.error(e);
            } else {
                sink.success(v);
            }
        })).flatMap(v -> k + 1 < STEPS ? reactorChain(k + 1, sum + v) : Mono.just(sum + v));
    }

    /** A chain of {@value #STEPS} callback steps, each a {@code cb.submit} of a trivial task (also ContextHop's). */
    static final class CallbackChain implements Callable<Integer>, Callback<Integer> {
        private final Callbacks cb;
        private final CompletableFuture<Long> done;
        private int k;
        private long sum;

        CallbackChain(Callbacks cb, CompletableFuture<Long> done) {
            this.cb = cb;
            this.done = done;
        }

        void next() {
            cb.submit(this, this);
        }

        @Override
        public Integer call() {
            return k & 7;
        }

        @Override
        public void onComplete(Integer v, Throwable e) {
            sum += v;
            if (++k < STEPS) {
                next();
            } else {
                done.complete(sum);
            }
        }
    }

    private static final class JdkChain implements Runnable {
        private final ExecutorService ex;
        private final CompletableFuture<Long> done;
        private int k;
        private long sum;

        JdkChain(ExecutorService ex, CompletableFuture<Long> done) {
            this.ex = ex;
            this.done = done;
        }

        @Override
        public void run() {
            sum += k & 7;
            if (++k < STEPS) {
                ex.execute(this);
            } else {
                done.complete(sum);
            }
        }
    }
}
