package dev.weft.bench.jmh;

import static dev.weft.bench.jmh.Fixture.JDK_VT;
import static dev.weft.bench.jmh.Fixture.VERTX_VT;

import dev.weft.core.OpListener;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Coroutine creation and completion: {@value #COUNT} coroutines whose bodies return at once, launched
 * one after another and each observed to complete; the invocation ends when the last has. Weft:
 * {@code co.launch(loop, body)} from the loop thread with a completion listener, under each scheduler.
 * Peers with a coroutine: plain JDK virtual threads ({@code Thread.ofVirtual().start}, JEP 444: a new
 * virtual thread per task, never pooled), started from the benchmark thread; Vert.x's virtual-thread
 * verticle ({@code runOnContext} on its context runs each task on a virtual thread of its own, core
 * manual "Virtual threads"). Futures, callbacks, jdk-cf, vertx-compose and Reactor have no coroutine.
 * Score: ns per coroutine (or virtual thread) created, run and completed.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh Launch -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
public class LaunchBenchmark extends AbstractBenchmark {
    static final int COUNT = 1000;
    private static final Callable<Integer> BODY = () -> 1;

    @Param({"coroutines-loop", "coroutines-default", "jdk-vt", "vertx-vt-await"})
    public String variant;

    private Fixture f;

    @Setup(Level.Trial)
    public void setUp() {
        f = new Fixture(variant);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f.close();
    }

    @Benchmark
    @OperationsPerInvocation(COUNT)
    public long launch() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Countdown left = new Countdown(done);
        switch (variant) {
            case JDK_VT -> {
                for (int i = 0; i < COUNT; i++) {
                    Thread.ofVirtual().start(left);
                }
            }
            case VERTX_VT -> {
                for (int i = 0; i < COUNT; i++) {
                    f.vertxVt.runOnContext(left::handle);
                }
            }
            default -> f.loop.execute(() -> {
                for (int i = 0; i < COUNT; i++) {
                    f.co.launch(f.loop, BODY).onComplete(left);
                }
            });
        }
        return done.join();
    }

    /** Counts completions down from {@value #COUNT}; the last completes the invocation. Any thread. */
    private static final class Countdown extends AtomicInteger implements Runnable, OpListener<Object> {
        private final CompletableFuture<Long> done;

        Countdown(CompletableFuture<Long> done) {
            super(COUNT);
            this.done = done;
        }

        @Override
        public void run() {
            if (decrementAndGet() == 0) {
                done.complete((long) COUNT);
            }
        }

        void handle(Void ignored) {
            run();
        }

        @Override
        public void onComplete(Object value, Throwable failure) {
            if (failure != null) {
                done.completeExceptionally(failure);
            }
            run();
        }
    }
}
