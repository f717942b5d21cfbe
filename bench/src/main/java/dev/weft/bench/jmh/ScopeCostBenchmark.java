package dev.weft.bench.jmh;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of a structured scope with {@value #CHILDREN} children, per style, against the same
 * {@value #CHILDREN} children started and joined by hand without a scope ({@code *-plain}). Each
 * child is a {@code submit} of a trivial task on the loop (a child coroutine returning at once, for
 * coroutines); the body returns at once, so the scope's join does the waiting. One invocation = one
 * scope, started from the benchmark thread and awaited by it (the handoff to the loop and back is in
 * every variant alike). Score: ns per scope; {@code -prof gc}: bytes per scope.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh ScopeCost -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
public class ScopeCostBenchmark extends AbstractBenchmark {
    static final int CHILDREN = 10;

    @Param({"callbacks-plain", "callbacks", "futures-plain", "futures", "coroutines-plain", "coroutines"})
    public String style;

    private WeftRuntime rt;
    private Loop loop;
    private Callbacks cb;
    private Futures fu;
    private Coroutines co;
    private static final Callable<Integer> ONE = () -> 1;

    @Setup(Level.Trial)
    public void setUp() {
        rt = WeftRuntime.builder().loops(1).disableBlockedLoopDetector().build();
        loop = rt.loop(0);
        cb = Callbacks.of(rt).on(loop);
        fu = Futures.of(rt).on(loop);
        co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
    }

    @Benchmark
    public Object scope() {
        return switch (style) {
            case "callbacks-plain" -> {
                CompletableFuture<Integer> done = new CompletableFuture<>();
                loop.execute(() -> {
                    int[] left = {CHILDREN};
                    for (int i = 0; i < CHILDREN; i++) {
                        cb.submit(ONE, (v, e) -> {
                            if (--left[0] == 0) {
                                done.complete(0);
                            }
                        });
                    }
                });
                yield done.join();
            }
            case "callbacks" -> {
                CompletableFuture<Integer> done = new CompletableFuture<>();
                cb.<Integer>scope((scoped, body) -> {
                    for (int i = 0; i < CHILDREN; i++) {
                        scoped.submit(ONE, (v, e) -> { });
                    }
                    body.onComplete(0, null);
                }, (v, e) -> done.complete(v));
                yield done.join();
            }
            case "futures-plain" -> {
                List<CompletableFuture<Integer>> kids = new ArrayList<>(CHILDREN);
                for (int i = 0; i < CHILDREN; i++) {
                    kids.add(fu.submit(ONE));
                }
                yield CompletableFuture.allOf(kids.toArray(CompletableFuture[]::new)).join();
            }
            case "futures" -> fu.scope(scoped -> {
                for (int i = 0; i < CHILDREN; i++) {
                    scoped.submit(ONE);
                }
                return CompletableFuture.completedFuture(0);
            }).join();
            case "coroutines-plain" -> join(co.launchDetached(loop, () -> {
                List<Coroutine<Integer>> kids = new ArrayList<>(CHILDREN);
                for (int i = 0; i < CHILDREN; i++) {
                    kids.add(co.launchDetached(loop, ONE));
                }
                int sum = 0;
                for (Coroutine<Integer> k : kids) {
                    sum += co.await(k);
                }
                return sum;
            }));
            default -> join(co.launchDetached(loop, () -> co.scope(() -> {
                for (int i = 0; i < CHILDREN; i++) {
                    co.launch(loop, ONE);
                }
                return 0;
            })));
        };
    }

    private static <T> T join(Coroutine<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        c.onComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f.join();
    }
}
