package dev.weft.bench.jmh;

import static dev.weft.bench.jmh.Fixture.CALLBACKS;
import static dev.weft.bench.jmh.Fixture.FUTURES;
import static dev.weft.bench.jmh.Fixture.JDK_CF;
import static dev.weft.bench.jmh.Fixture.JDK_VT;
import static dev.weft.bench.jmh.Fixture.VERTX_COMPOSE;
import static dev.weft.bench.jmh.Fixture.VERTX_VT;

import dev.weft.callbacks.Callback;
import dev.weft.core.Promise;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Complete an operation and resume the caller, in each style and peer, {@value #STEPS} times in a row
 * on one loop: the operation is each library's one-shot completion primitive (Weft {@code Promise}
 * from {@code Loop.promise}, a JDK {@code CompletableFuture}, a Vert.x {@code Promise}, a Reactor
 * {@code Sinks.one()}), and the caller waits for it the style's way (callbacks {@code cb.await},
 * futures {@code fu.from(op).then...}, coroutines {@code co.await}, {@code thenAccept}/{@code thenCompose},
 * virtual thread {@code join}, Vert.x {@code onSuccess}/{@code compose}/{@code await},
 * {@code Mono.subscribe}/{@code flatMap}).
 * <ul>
 *   <li>{@code done}: the operation has completed before the caller waits: the already-completed fast
 *       path (callers continue inline; a coroutine or virtual thread does not park). Score: ns per
 *       operation made, completed and received.</li>
 *   <li>{@code pending}: the caller waits first and a separate task on the loop completes the
 *       operation on a later turn (coroutines and virtual threads park and are resumed). Score: ns per
 *       step, the completing task included; the next step starts from the continuation.</li>
 * </ul>
 * The completing task is one reused object per benchmark, so neither shape allocates beyond what the
 * library does. Peers follow their docs: CompletableFuture javadoc ("CompletionStage" methods: a
 * non-async dependent runs on the completing thread); JEP 444 ("Using virtual threads": block, one
 * virtual thread per task); Vert.x core manual ("Future results", "Future composition", "Virtual
 * threads": {@code await} on a virtual-thread verticle); Reactor reference ("Sinks": {@code Sinks.one()}
 * to complete a Mono from imperative code; {@code flatMap} to chain). Score: ns per operation.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh Await -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
public class AwaitBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;

    @Param({"callbacks", "futures", "coroutines-loop", "coroutines-default", "jdk-cf", "jdk-vt", "vertx-compose",
            "vertx-vt-await", "reactor-mono"})
    public String variant;

    @Param({"done", "pending"})
    public String state;

    private Fixture f;
    private boolean pending;
    private final Completer completer = new Completer();

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(variant);
        pending = state.equals("pending");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long await() {
        if (f.isBlocking()) {
            return f.blocking(this::blockingSteps);
        }
        return f.onLoop(pending ? this::pendingChain : this::doneSteps);
    }

    // ------------------------------------------------------------------ blocking styles

    private long blockingSteps() {
        long sum = 0;
        switch (variant) {
            case JDK_VT -> {
                for (int i = 0; i < STEPS; i++) {
                    CompletableFuture<Integer> op = new CompletableFuture<>();
                    settle(op, i & 7);
                    sum += op.join();
                }
            }
            case VERTX_VT -> {
                for (int i = 0; i < STEPS; i++) {
                    io.vertx.core.Promise<Integer> op = io.vertx.core.Promise.promise();
                    settle(op, i & 7);
                    sum += op.future().await();
                }
            }
            default -> { // coroutines, either scheduler
                for (int i = 0; i < STEPS; i++) {
                    Promise<Integer> op = f.loop.promise(null);
                    settle(op, i & 7);
                    sum += f.co.await(op);
                }
            }
        }
        return sum;
    }

    /** Completes {@code op} now ({@code done}) or has the completer do it on a later turn of its loop. */
    private void settle(Object op, int value) {
        if (!pending) {
            Completer.complete(op, value);
            return;
        }
        completer.op = op;
        completer.value = value;
        switch (op) {
            case CompletableFuture<?> c -> f.jdk.execute(completer);
            case io.vertx.core.Promise<?> p -> f.vertxLoop.runOnContext(completer);
            default -> f.loop.execute(completer);
        }
    }

    // ------------------------------------------------------------------ non-blocking styles, done

    private void doneSteps(CompletableFuture<Long> done) {
        Acc acc = new Acc();
        switch (variant) {
            case CALLBACKS -> {
                for (int i = 0; i < STEPS; i++) {
                    Promise<Integer> op = f.loop.promise(null);
                    op.succeed(i & 7);
                    f.cb.await(op, acc);
                }
            }
            case FUTURES -> {
                for (int i = 0; i < STEPS; i++) {
                    Promise<Integer> op = f.loop.promise(null);
                    op.succeed(i & 7);
                    f.fu.from(op).thenAccept(acc);
                }
            }
            case JDK_CF -> {
                for (int i = 0; i < STEPS; i++) {
                    CompletableFuture<Integer> op = new CompletableFuture<>();
                    op.complete(i & 7);
                    op.thenAccept(acc);
                }
            }
            case VERTX_COMPOSE -> {
                for (int i = 0; i < STEPS; i++) {
                    io.vertx.core.Promise<Integer> op = io.vertx.core.Promise.promise();
                    op.complete(i & 7);
                    op.future().onSuccess(acc);
                }
            }
            default -> { // reactor-mono
                for (int i = 0; i < STEPS; i++) {
                    Sinks.One<Integer> op = Sinks.one();
                    op.tryEmitValue(i & 7);
                    op.asMono().subscribe(acc);
                }
            }
        }
        done.complete(acc.sum);
    }

    // ------------------------------------------------------------------ non-blocking styles, pending

    private void pendingChain(CompletableFuture<Long> done) {
        switch (variant) {
            case CALLBACKS -> new CallbackChain(done).next();
            case FUTURES -> futures(0, 0).thenAccept(done::complete);
            case JDK_CF -> jdk(0, 0).thenAccept(done::complete);
            case VERTX_COMPOSE -> vertx(0, 0).onSuccess(done::complete);
            default -> reactor(0, 0).subscribe(done::complete);
        }
    }

    private CompletableFuture<Long> futures(int k, long sum) {
        Promise<Integer> op = f.loop.promise(null);
        settle(op, k & 7);
        return f.fu.from(op).thenCompose(v -> k + 1 < STEPS ? futures(k + 1, sum + v)
                : CompletableFuture.completedFuture(sum + v));
    }

    private CompletableFuture<Long> jdk(int k, long sum) {
        CompletableFuture<Integer> op = new CompletableFuture<>();
        settle(op, k & 7);
        return op.thenCompose(v -> k + 1 < STEPS ? jdk(k + 1, sum + v) : CompletableFuture.completedFuture(sum + v));
    }

    private Future<Long> vertx(int k, long sum) {
        io.vertx.core.Promise<Integer> op = io.vertx.core.Promise.promise();
        settle(op, k & 7);
        return op.future().compose(v -> k + 1 < STEPS ? vertx(k + 1, sum + v) : Future.succeededFuture(sum + v));
    }

    private Mono<Long> reactor(int k, long sum) {
        Sinks.One<Integer> op = Sinks.one();
        settle(op, k & 7);
        return op.asMono().flatMap(v -> k + 1 < STEPS ? reactor(k + 1, sum + v) : Mono.just(sum + v));
    }

    private final class CallbackChain implements Callback<Integer> {
        private final CompletableFuture<Long> done;
        private int k;
        private long sum;

        CallbackChain(CompletableFuture<Long> done) {
            this.done = done;
        }

        void next() {
            Promise<Integer> op = f.loop.promise(null);
            settle(op, k & 7);
            f.cb.await(op, this);
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

    // ------------------------------------------------------------------ helpers

    /** Receives every value of a {@code done} run: the caller's continuation, one object for all steps. */
    private static final class Acc implements Callback<Integer>, Consumer<Integer>, Handler<Integer> {
        long sum;

        @Override
        public void onComplete(Integer v, Throwable e) {
            sum += v;
        }

        @Override
        public void accept(Integer v) {
            sum += v;
        }

        @Override
        public void handle(Integer v) {
            sum += v;
        }
    }

    /**
     * The one operation in flight and the task that completes it on its loop (the steps are sequential,
     * so one object serves them all: written before the hand-off to the loop, read on it).
     */
    private static final class Completer implements Runnable, Handler<Void> {
        Object op;
        int value;

        @Override
        public void run() {
            Object o = op;
            op = null;
            complete(o, value);
        }

        @Override
        public void handle(Void ignored) {
            run();
        }

        @SuppressWarnings("unchecked")
        static void complete(Object op, int value) {
            switch (op) {
                case Promise<?> p -> ((Promise<Integer>) p).succeed(value);
                case CompletableFuture<?> c -> ((CompletableFuture<Integer>) c).complete(value);
                case io.vertx.core.Promise<?> p -> ((io.vertx.core.Promise<Integer>) p).complete(value);
                case Sinks.One<?> s -> ((Sinks.One<Integer>) s).tryEmitValue(value).orThrow();
                default -> throw new IllegalArgumentException("op: " + op);
            }
        }
    }
}
