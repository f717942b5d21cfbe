package dev.weft.bench.jmh;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.WeftContext;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.slf4j.MDC;

/**
 * What context propagation costs per hop, in each style: the chain of {@value #STEPS} async steps of
 * {@link SuspendResumeBenchmark} (a task on the loop's run queue, then its continuation), started by a
 * caller with
 * <ul>
 *   <li>{@code off}: propagation turned off ({@code -Dweft.context.propagation=false}): the floor, what
 *       a step cost before propagation existed, bar two null checks;</li>
 *   <li>{@code none}: nothing set (the default case: each operation asks each registered accessor,
 *       WeftContext, MDC and Micrometer's observation, for its value and finds none);</li>
 *   <li>{@code weft}: one WeftContext value (the capture is the context itself; a restore is two
 *       thread-local writes);</li>
 *   <li>{@code weft+mdc}: a WeftContext value and one MDC entry (a real MDC adapter): a full
 *       context-propagation snapshot per operation.</li>
 * </ul>
 * Score: ns per step; with {@code -prof gc}, {@code gc.alloc.rate.norm} / {@value #STEPS} is bytes per step.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh ContextHop -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms1g", "-Xmx1g",
        "-Dslf4j.provider=dev.weft.bench.jmh.MdcSimpleProvider"})
public class ContextHopBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;
    private static final WeftContext.Key<String> REQUEST = WeftContext.key("request");

    @Param({"callbacks", "futures", "coroutines-loop", "coroutines-default"})
    public String style;

    @Param({"off", "none", "weft", "weft+mdc"})
    public String context;

    private WeftRuntime rt;
    private Loop loop;
    private Callbacks cb;
    private Futures fu;
    private Coroutines co;
    private WeftContext ctx;

    @Setup(Level.Trial)
    public void setUp() {
        if (context.equals("off")) {
            System.setProperty("weft.context.propagation", "false"); // read once, before Weft's first operation
        }
        rt = WeftRuntime.builder().loops(1).disableBlockedLoopDetector().build();
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
            default -> { }
        }
        ctx = WeftContext.empty().with(REQUEST, "r-42");
        if (context.equals("weft+mdc")) {
            MDC.put("request", "r-42");
            if (!"r-42".equals(MDC.get("request"))) {
                throw new IllegalStateException("the MDC drops entries: run with -Dslf4j.provider=" + MdcSimpleProvider.class.getName());
            }
            MDC.clear();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long chain() throws Exception {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Runnable start = switch (style) {
            case "callbacks" -> () -> new SuspendResumeBenchmark.CallbackChain(cb, done).next();
            case "futures" -> () -> futureChain(0, 0).thenAccept(done::complete);
            default -> () -> co.launch(loop, () -> {
                long sum = 0;
                for (int i = 0; i < STEPS; i++) {
                    final int k = i;
                    sum += co.submit(() -> k & 7);
                }
                done.complete(sum);
                return null;
            });
        };
        switch (context) {
            case "weft" -> ctx.run(start);
            case "weft+mdc" -> {
                MDC.put("request", "r-42");
                try {
                    ctx.run(start);
                } finally {
                    MDC.remove("request");
                }
            }
            default -> start.run();
        }
        return done.join();
    }

    private CompletableFuture<Long> futureChain(int k, long sum) {
        return fu.submit(() -> k & 7).thenCompose(v -> k + 1 < STEPS ? futureChain(k + 1, sum + v)
                : CompletableFuture.completedFuture(sum + v));
    }
}
