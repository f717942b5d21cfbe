package dev.weft.bench.jmh;

import static dev.weft.bench.jmh.Fixture.CALLBACKS;
import static dev.weft.bench.jmh.Fixture.FUTURES;
import static dev.weft.bench.jmh.Fixture.JDK_CF;
import static dev.weft.bench.jmh.Fixture.JDK_VT;
import static dev.weft.bench.jmh.Fixture.VERTX_COMPOSE;
import static dev.weft.bench.jmh.Fixture.VERTX_VT;

import dev.weft.callbacks.Callback;
import dev.weft.core.OpListener;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Schedule a timer and continue when it fires: a chain of {@value #STEPS} zero-delay timers on one
 * loop, each armed from the previous one's continuation (the scenario's {@code --io timer} step). Weft:
 * {@code cb.delay(ZERO, ..)}, {@code fu.delay(ZERO)}, {@code co.delay(ZERO)} (a real loop timer, due
 * at once). Peers, as in the scenario: JDK {@code ScheduledExecutorService.schedule(.., 0, NANOSECONDS)}
 * on the single-thread "loop" completing a CompletableFuture ({@code CompletableFuture.delayedExecutor}
 * would add a hop through the JDK's shared delayer thread); Vert.x {@code vertx.timer(1, NANOSECONDS)}
 * (core manual "Timers": the future-returning timer; it rejects zero); Reactor over Weft's
 * {@code Loop.delay} bridged with {@code Mono.create} (Reactor has no loop; its own {@code Mono.delay}
 * would run on the parallel scheduler's threads). Score: ns per timer armed, fired and continued from.
 * {@link TimerArmBenchmark} measures arming alone.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh Timer -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
public class TimerBenchmark extends AbstractBenchmark {
    static final int STEPS = 1000;

    @Param({"callbacks", "futures", "coroutines-loop", "coroutines-default", "jdk-cf", "jdk-vt", "vertx-compose",
            "vertx-vt-await", "reactor-mono"})
    public String variant;

    private Fixture f;

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(variant, true);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public long timer() {
        if (f.isBlocking()) {
            return f.blocking(this::blockingSteps);
        }
        return f.onLoop(this::chain);
    }

    private long blockingSteps() {
        long fired = 0;
        for (int i = 0; i < STEPS; i++) {
            switch (variant) {
                case JDK_VT -> jdkTimer().join();
                case VERTX_VT -> f.vertx.timer(1, TimeUnit.NANOSECONDS).await();
                default -> f.co.delay(Duration.ZERO);
            }
            fired++;
        }
        return fired;
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

    private CompletableFuture<Void> jdkTimer() {
        CompletableFuture<Void> t = new CompletableFuture<>();
        f.jdkTimers().schedule(() -> t.complete(null), 0, TimeUnit.NANOSECONDS);
        return t;
    }

    private CompletableFuture<Long> futures(int k) {
        return f.fu.delay(Duration.ZERO).thenCompose(v -> k + 1 < STEPS ? futures(k + 1)
                : CompletableFuture.completedFuture((long) STEPS));
    }

    private CompletableFuture<Long> jdk(int k) {
        return jdkTimer().thenCompose(v -> k + 1 < STEPS ? jdk(k + 1) : CompletableFuture.completedFuture((long) STEPS));
    }

    private Future<Long> vertx(int k) {
        return f.vertx.timer(1, TimeUnit.NANOSECONDS).compose(v -> k + 1 < STEPS ? vertx(k + 1)
                : Future.succeededFuture((long) STEPS));
    }

    private Mono<Long> reactor(int k) {
        return Mono.<Long>create(sink -> f.loop.delay(Duration.ZERO, (OpListener<Void>) (v, e) -> {
            if (e != null) {
                sink.error(e);
            } else {
                sink.success(0L);
            }
        })).flatMap(v -> k + 1 < STEPS ? reactor(k + 1) : Mono.just((long) STEPS));
    }

    private final class CallbackChain implements Callback<Void> {
        private final CompletableFuture<Long> done;
        private int k;

        CallbackChain(CompletableFuture<Long> done) {
            this.done = done;
        }

        void next() {
            f.cb.delay(Duration.ZERO, this);
        }

        @Override
        public void onComplete(Void v, Throwable e) {
            if (++k < STEPS) {
                next();
            } else {
                done.complete((long) STEPS);
            }
        }
    }
}
