package dev.weft.bench.jmh;

import dev.weft.callbacks.Callback;
import dev.weft.callbacks.Callbacks;
import dev.weft.core.Loop;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a per-operation deadline costs: a chain of {@value #STEPS} async steps on a one-loop runtime,
 * each step an operation that completes on the loop (a task on a later turn of its run queue) awaited
 * in the style's idiom, {@code none} without a deadline and {@code deadline} with one that never
 * expires (1 hour): callbacks {@code cb.await(op, timeout, callback)}, futures
 * {@code fu.from(op, timeout)}, coroutines {@code co.await(op, timeout)}, and
 * {@code coroutines-withTimeout}: {@code co.withTimeout(timeout, () -> co.await(op))} (the body in the
 * calling coroutine, one loop timer). Each deadline arms one loop timer and cancels it when the
 * operation completes first. Score: ns per step; {@code -prof gc} gives the bytes per step.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh DeadlineCost -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
public class DeadlineCostBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;
    private static final Duration TIMEOUT = Duration.ofHours(1);

    @Param({"callbacks", "futures", "coroutines", "coroutines-withTimeout"})
    public String style;

    @Param({"none", "deadline"})
    public String deadline;

    private Fixture f;
    private Loop loop;
    private Callbacks cb;
    private Futures fu;
    private Coroutines co;
    private boolean timed;

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(style.startsWith("coroutines") ? Fixture.COROUTINES_LOOP : style);
        loop = f.loop;
        cb = f.cb;
        fu = f.fu;
        co = f.co;
        timed = deadline.equals("deadline");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long chain() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        switch (style) {
            case "callbacks" -> loop.execute(() -> new CallbackChain(cb, loop, timed, done).next());
            case "futures" -> loop.execute(() -> futureChain(0, 0).thenAccept(done::complete));
            case "coroutines" -> co.launch(loop, () -> {
                long sum = 0;
                for (int i = 0; i < STEPS; i++) {
                    final int k = i;
                    sum += timed ? co.await(loop.submit(() -> k & 7, null), TIMEOUT) : co.await(loop.submit(() -> k & 7, null));
                }
                done.complete(sum);
                return null;
            });
            default -> co.launch(loop, () -> {
                long sum = 0;
                for (int i = 0; i < STEPS; i++) {
                    final int k = i;
                    sum += timed ? co.withTimeout(TIMEOUT, () -> co.await(loop.submit(() -> k & 7, null)))
                            : co.await(loop.submit(() -> k & 7, null));
                }
                done.complete(sum);
                return null;
            });
        }
        return done.join();
    }

    private CompletableFuture<Long> futureChain(int k, long sum) {
        var op = loop.<Integer>submit(() -> k & 7, null);
        return (timed ? fu.from(op, TIMEOUT) : fu.from(op)).thenCompose(v -> k + 1 < STEPS ? futureChain(k + 1, sum + v)
                : CompletableFuture.completedFuture(sum + v));
    }

    private static final class CallbackChain implements Callable<Integer>, Callback<Integer> {
        private final Callbacks cb;
        private final Loop loop;
        private final boolean timed;
        private final CompletableFuture<Long> done;
        private int k;
        private long sum;

        CallbackChain(Callbacks cb, Loop loop, boolean timed, CompletableFuture<Long> done) {
            this.cb = cb;
            this.loop = loop;
            this.timed = timed;
            this.done = done;
        }

        void next() {
            if (timed) {
                cb.await(loop.submit(this, null), TIMEOUT, this);
            } else {
                cb.await(loop.submit(this, null), this);
            }
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
}
