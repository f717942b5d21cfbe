package dev.weft.bench.jmh;

import dev.weft.callbacks.Callback;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.core.CoroutineScheduler;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of one async step in each style: start an operation that completes on the loop (a task
 * on a later turn of its run queue), and continue when it has. For coroutines that is exactly one
 * suspend (park) and one resume (unpark), under each scheduler. One invocation runs a chain of
 * {@value #STEPS} steps on a one-loop runtime, started from the loop; the score is ns per step.
 * {@code jdk-executor} is the baseline: the same chain of callbacks on a plain JDK single-thread
 * executor, no Weft.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh -prof gc SuspendResume
 * </pre>
 */
@State(Scope.Benchmark)
public class SuspendResumeBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;

    @Param({"jdk-executor", "callbacks", "futures", "coroutines-loop", "coroutines-default"})
    public String style;

    private WeftRuntime rt;
    private Loop loop;
    private Callbacks cb;
    private Futures fu;
    private Coroutines co;
    private ExecutorService jdk;

    @Setup(Level.Trial)
    public void setUp() {
        rt = WeftRuntime.builder().loops(1).build();
        loop = rt.loop(0);
        cb = Callbacks.of(rt).on(loop);
        fu = Futures.of(rt).on(loop);
        switch (style) {
            case "coroutines-loop" -> {
                co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
                if (co.scheduler() != CoroutineScheduler.LOOP_AFFINE) {
                    throw new IllegalStateException("loop-affine scheduler unavailable: " + co.fallbackReason());
                }
            }
            case "coroutines-default" -> co = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            case "jdk-executor" -> jdk = Executors.newSingleThreadExecutor();
            default -> { }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
        if (jdk != null) {
            jdk.shutdownNow();
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long chain() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        switch (style) {
            case "jdk-executor" -> jdk.execute(() -> new JdkChain(jdk, done).run());
            case "callbacks" -> loop.execute(() -> new CallbackChain(cb, done).next());
            case "futures" -> loop.execute(() -> futureChain(0, 0).thenAccept(done::complete));
            default -> co.launch(loop, () -> {
                long sum = 0;
                for (int i = 0; i < STEPS; i++) {
                    final int k = i;
                    sum += co.submit(() -> k & 7);
                }
                done.complete(sum);
                return null;
            });
        }
        return done.join();
    }

    private CompletableFuture<Long> futureChain(int k, long sum) {
        return fu.submit(() -> k & 7).thenCompose(v -> k + 1 < STEPS ? futureChain(k + 1, sum + v)
                : CompletableFuture.completedFuture(sum + v));
    }

    private static final class CallbackChain implements Callable<Integer>, Callback<Integer> {
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
