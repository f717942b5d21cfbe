package dev.weft.bench.jmh;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.LoopTimers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What routing every operation timer through one entry point costs when no virtual clock is set:
 * {@value #TIMERS} timers armed and cancelled on the loop thread (as TimerOp, RepeatOp and TimeoutOp
 * do), straight through Netty's {@code EventLoop.schedule} ({@code netty}, what the timers did before)
 * or through Weft's entry point ({@code weft}: {@code LoopTimers.arm}, one hop more than the
 * package-private {@code Loop.armTimer} the core ops call, which reads the virtual-clock field and
 * calls Netty). Score: ns per timer armed and cancelled; {@code -prof gc} gives bytes per timer.
 *
 * <pre>
 * java -jar bench/target/weft-bench.jar jmh TimerArm -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
public class TimerArmBenchmark extends AbstractBenchmark {
    static final int TIMERS = 1000;

    @Param({"netty", "weft"})
    public String path;

    private WeftRuntime rt;
    private Loop loop;
    private final Runnable task = () -> {};
    private Runnable batch;

    @Setup(Level.Trial)
    public void setUp() {
        rt = WeftRuntime.builder().loops(1).disableBlockedLoopDetector().build();
        loop = rt.loop(0);
        batch = path.equals("netty") ? this::viaNetty : this::viaWeft;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rt.close();
    }

    private void viaNetty() {
        for (int i = 0; i < TIMERS; i++) {
            ScheduledFuture<?> f = loop.eventLoop().schedule(task, 1, TimeUnit.HOURS);
            f.cancel(false);
        }
    }

    private void viaWeft() {
        long hour = TimeUnit.HOURS.toNanos(1);
        for (int i = 0; i < TIMERS; i++) {
            ScheduledFuture<?> f = LoopTimers.arm(loop, hour, task);
            f.cancel(false);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TIMERS)
    public Object armAndCancel() throws Exception {
        CompletableFuture<Object> done = new CompletableFuture<>();
        loop.execute(() -> {
            batch.run();
            done.complete(null);
        });
        return done.get();
    }
}
