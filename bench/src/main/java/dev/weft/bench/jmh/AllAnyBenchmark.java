package dev.weft.bench.jmh;

import static dev.weft.bench.jmh.Fixture.CALLBACKS;
import static dev.weft.bench.jmh.Fixture.FUTURES;
import static dev.weft.bench.jmh.Fixture.JDK_CF;
import static dev.weft.bench.jmh.Fixture.JDK_VT;
import static dev.weft.bench.jmh.Fixture.VERTX_COMPOSE;
import static dev.weft.bench.jmh.Fixture.VERTX_VT;

import dev.weft.callbacks.AsyncStep;
import dev.weft.callbacks.Callback;
import dev.weft.core.OpListener;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
import reactor.core.publisher.Mono;

/**
 * All / any of {@value #WIDTH}: start {@value #WIDTH} operations that each complete on a later turn of
 * the loop, wait for all of them (or the first, the rest cancelled where the library cancels), then
 * the next round; {@value #ROUNDS} rounds in a row per invocation. Score: ns per round (the
 * {@value #WIDTH} operations included). Each style uses its own combinator over its own async unit:
 * <ul>
 *   <li>callbacks: {@code cb.all/any} over {@code AsyncStep}s that {@code cb.submit} a trivial task;
 *       futures: {@code fu.all/any} over {@code fu.submit}s;</li>
 *   <li>coroutines: {@code co.all/any} over bodies that return at once: each body is a child coroutine
 *       (the facade's unit of concurrency), so the score includes {@value #WIDTH} coroutine launches;</li>
 *   <li>jdk-cf: {@code CompletableFuture.allOf/anyOf} over {@code supplyAsync(.., loop)}; jdk-vt: the
 *       same futures, the virtual thread blocking on {@code allOf(..).join()} (JEP 444: block);</li>
 *   <li>Vert.x: {@code Future.all/any} (core manual "Future coordination") over promises completed
 *       by {@code runOnContext}; vertx-vt-await: {@code Future.all(..).await()};</li>
 *   <li>Reactor: {@code Mono.zip(Iterable, combinator)} / {@code Mono.firstWithValue(Iterable)}
 *       (reference, "Which operator do I need?": combine publishers) over Weft's {@code loop.submit}
 *       bridged with {@code Mono.create}, as in the scenario.</li>
 * </ul>
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh AllAny -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
public class AllAnyBenchmark extends AbstractBenchmark {
    static final int WIDTH = 10;
    static final int ROUNDS = 100;
    private static final Callable<Integer> ONE = () -> 1;

    @Param({"callbacks", "futures", "coroutines-loop", "coroutines-default", "jdk-cf", "jdk-vt", "vertx-compose",
            "vertx-vt-await", "reactor-mono"})
    public String variant;

    @Param({"all", "any"})
    public String combinator;

    private Fixture f;
    private boolean all;
    private List<AsyncStep<Integer>> steps;
    private List<Callable<Integer>> bodies;

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(variant);
        all = combinator.equals("all");
        AsyncStep<Integer> step = l -> f.cb.submit(ONE, l);
        steps = Collections.nCopies(WIDTH, step);
        bodies = Collections.nCopies(WIDTH, ONE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public long fanOut() {
        if (f.isBlocking()) {
            return f.blocking(this::blockingRounds);
        }
        return f.onLoop(this::chain);
    }

    private long blockingRounds() {
        long sum = 0;
        for (int r = 0; r < ROUNDS; r++) {
            switch (variant) {
                case JDK_VT -> {
                    CompletableFuture<?>[] ops = jdkOps();
                    (all ? CompletableFuture.allOf(ops) : CompletableFuture.anyOf(ops)).join();
                    sum++;
                }
                case VERTX_VT -> {
                    List<Future<Integer>> ops = vertxOps();
                    (all ? Future.all(ops) : Future.any(ops)).await();
                    sum++;
                }
                default -> sum += all ? f.co.all(bodies).size() : f.co.any(bodies);
            }
        }
        return sum;
    }

    private void chain(CompletableFuture<Long> done) {
        switch (variant) {
            case CALLBACKS -> new CallbackChain(done).next();
            case FUTURES -> futures(0).thenAccept(done::complete);
            case JDK_CF -> jdk(0).thenAccept(done::complete);
            case VERTX_COMPOSE -> vertx(0).onSuccess(done::complete);
            default -> reactor(0).subscribe(done::complete);
        }
    }

    private CompletableFuture<Long> futures(int r) {
        List<CompletableFuture<Integer>> ops = new ArrayList<>(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            ops.add(f.fu.submit(ONE));
        }
        CompletableFuture<?> round = all ? f.fu.all(ops) : f.fu.any(ops);
        return round.thenCompose(v -> r + 1 < ROUNDS ? futures(r + 1) : CompletableFuture.completedFuture((long) ROUNDS));
    }

    private CompletableFuture<?>[] jdkOps() {
        CompletableFuture<?>[] ops = new CompletableFuture<?>[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            ops[i] = CompletableFuture.supplyAsync(() -> 1, f.jdk);
        }
        return ops;
    }

    private CompletableFuture<Long> jdk(int r) {
        CompletableFuture<?>[] ops = jdkOps();
        CompletableFuture<?> round = all ? CompletableFuture.allOf(ops) : CompletableFuture.anyOf(ops);
        return round.thenCompose(v -> r + 1 < ROUNDS ? jdk(r + 1) : CompletableFuture.completedFuture((long) ROUNDS));
    }

    private List<Future<Integer>> vertxOps() {
        List<Future<Integer>> ops = new ArrayList<>(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            io.vertx.core.Promise<Integer> p = io.vertx.core.Promise.promise();
            f.vertxLoop.runOnContext(v -> p.complete(1));
            ops.add(p.future());
        }
        return ops;
    }

    private Future<Long> vertx(int r) {
        Future<?> round = all ? Future.all(vertxOps()) : Future.any(vertxOps());
        return round.compose(v -> r + 1 < ROUNDS ? vertx(r + 1) : Future.succeededFuture((long) ROUNDS));
    }

    private Mono<Integer> reactorOp() {
        return Mono.create(sink -> f.loop.submit(ONE, (OpListener<Integer>) (v, e) -> {
            if (e != null) {
                sink.error(e);
            } else {
                sink.success(v);
            }
        }));
    }

    private Mono<Long> reactor(int r) {
        List<Mono<Integer>> ops = new ArrayList<>(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            ops.add(reactorOp());
        }
        Mono<?> round = all ? Mono.zip(ops, values -> values.length) : Mono.firstWithValue(ops);
        return round.flatMap(v -> r + 1 < ROUNDS ? reactor(r + 1) : Mono.just((long) ROUNDS));
    }

    private final class CallbackChain implements Callback<Object> {
        private final CompletableFuture<Long> done;
        private int r;

        CallbackChain(CompletableFuture<Long> done) {
            this.done = done;
        }

        void next() {
            if (all) {
                f.cb.all(steps, this);
            } else {
                f.cb.any(steps, this);
            }
        }

        @Override
        public void onComplete(Object v, Throwable e) {
            if (e != null) {
                done.completeExceptionally(e);
            } else if (++r < ROUNDS) {
                next();
            } else {
                done.complete((long) ROUNDS);
            }
        }
    }
}
