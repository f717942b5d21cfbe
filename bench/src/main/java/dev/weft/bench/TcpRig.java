package dev.weft.bench;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scenario's {@code --io tcp} workload as a reusable rig for JMH ({@code TcpRequestReplyBenchmark}):
 * the same variant code (a style's {@link Workload}, or {@code floor-netty}), the same echo server,
 * one loop, a few pipelined connections. {@link #round()} runs {@code tasks} tasks of {@code k}
 * sequential request/replies each and returns when all have finished. Not thread-safe; one caller.
 */
public final class TcpRig implements AutoCloseable {
    private final ScenarioOptions o = new ScenarioOptions();
    private final EchoServer echo;
    private final Workload w;
    private final long expected;

    /**
     * @param variant a scenario variant name with a TCP path: callbacks, futures, coroutines-loop,
     *        coroutines-default or floor-netty
     */
    public TcpRig(String variant, int tasks, int k, int connections) {
        Variant v = Variant.byName(variant);
        if (v == null || !v.runsAt(ScenarioOptions.Io.TCP)) {
            throw new IllegalArgumentException("variant: '" + variant + "' (expected one of " + Variant.names() + ")");
        }
        o.n = tasks;
        o.k = k;
        o.io = ScenarioOptions.Io.TCP;
        o.loops = 1;
        o.connections = connections;
        WeftRuntime rt = WeftRuntime.builder().loops(1).name("jmh-" + variant).build();
        echo = v.isFloor() ? null : new EchoServer(Math.max(1024, 2 * tasks));
        w = Workload.create(v, rt, o, echo);
        String why = w.unavailable();
        if (why != null) {
            close();
            throw new IllegalStateException(variant + " unavailable: " + why);
        }
        expected = Steps.expectedChecksum(tasks, k);
    }

    /** One round: every task started on the loop, all K steps of each done. */
    public void round() throws InterruptedException {
        int n = o.n;
        AtomicInteger remaining = new AtomicInteger(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] sum = new long[1];
        CountDownLatch done = new CountDownLatch(1);
        Workload.Sink sink = new Workload.Sink() {
            @Override
            public void done(long s) {
                synchronized (sum) {
                    sum[0] += s;
                }
                if (remaining.decrementAndGet() == 0) {
                    done.countDown();
                }
            }

            @Override
            public void failed(Throwable t) {
                failure.compareAndSet(null, t);
                done.countDown();
            }
        };
        List<Loop> loops = w.runtime.loops();
        for (Loop l : loops) {
            l.execute(() -> {
                for (int id = l.index(); id < n; id += loops.size()) {
                    w.start(l, id, sink);
                }
            });
        }
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("round did not finish: " + remaining.get() + " tasks left");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("round failed", failure.get());
        }
        synchronized (sum) {
            if (sum[0] != expected) {
                throw new IllegalStateException("checksum " + sum[0] + " != " + expected);
            }
        }
        w.quiesce();
    }

    @Override
    public void close() {
        w.close();
        if (echo != null) {
            echo.close();
        }
    }
}
