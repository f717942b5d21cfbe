package dev.weft.bench.jmh;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutines;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * What observability costs per operation: the same chain of {@value #STEPS} async steps on a one-loop
 * runtime, with and without a meter registry (which adds the lag probe and the utilisation clock,
 * two {@code nanoTime()} per loop iteration) and with the blocked-loop detector on or off (a heartbeat
 * store on entering and leaving each I/O wait, and for a loop-carried coroutine one store per resume
 * and one per park). Steps: {@code submit} (a callback step on a later turn of the run queue, no I/O
 * poll between steps), {@code tick} (a callback step on the loop's next iteration: one I/O poll per
 * step, where the per-iteration costs land), {@code coroutine} (a loop-carried coroutine's submit:
 * one park and one resume per step). Score: ns per step.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh ObservabilityCost -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
public class ObservabilityCostBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;

    @Param({"submit", "tick", "coroutine"})
    public String step;

    @Param({"none", "detector", "registry", "registry+detector"})
    public String observability;

    private WeftRuntime rt;
    private Loop loop;
    private Coroutines co;

    @Setup(Level.Trial)
    public void setUp() {
        WeftRuntime.Builder b = WeftRuntime.builder().loops(1);
        if (observability.startsWith("registry")) {
            b.meterRegistry(new SimpleMeterRegistry());
        }
        if (!observability.endsWith("detector")) {
            b.disableBlockedLoopDetector();
        }
        rt = b.build();
        loop = rt.loop(0);
        if (step.equals("coroutine")) {
            co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            if (co.scheduler() != CoroutineScheduler.LOOP_AFFINE) {
                throw new IllegalStateException("loop-affine scheduler unavailable: " + co.fallbackReason());
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long chain() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        switch (step) {
            case "submit" -> loop.execute(() -> new Chain(loop, false, done).next());
            case "tick" -> loop.execute(() -> new Chain(loop, true, done).next());
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

    /** A chain of callback steps, each started by the previous one's listener on the loop. */
    private static final class Chain implements java.util.concurrent.Callable<Integer>, dev.weft.core.OpListener<Integer> {
        private final Loop loop;
        private final boolean tick;
        private final CompletableFuture<Long> done;
        private int k;
        private long sum;

        Chain(Loop loop, boolean tick, CompletableFuture<Long> done) {
            this.loop = loop;
            this.tick = tick;
            this.done = done;
        }

        void next() {
            if (tick) {
                loop.tick(this, this);
            } else {
                loop.submit(this, this);
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
