package dev.weft.bench;

import dev.weft.core.LoopStats;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.CoroutineStats;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs the scenario: for each variant, a fresh runtime, W warm-up repetitions, then R measured ones,
 * each timed from posting the tasks to the last task's completion. Counters (run queue, coroutines,
 * allocation, CPU) are taken as deltas over the measured repetitions only.
 */
final class ScenarioRunner {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final ScenarioOptions o;
    private final PrintStream progress;

    ScenarioRunner(ScenarioOptions o, PrintStream progress) {
        this.o = o;
        this.progress = progress;
    }

    /** What one variant measured. */
    static final class Result {
        final Variant variant;
        final long[] repNanos;
        final boolean finished;
        final int tasksLeft;
        final long checksum;
        final boolean checksumOk;
        final String unavailable;
        final Throwable failure;
        final LoopStats loop;
        final CoroutineStats coroutines;
        final long allocatedBytes;
        final long cpuNanos;
        final long steps;

        Result(Variant variant, long[] repNanos, boolean finished, int tasksLeft, long checksum, boolean checksumOk,
                String unavailable, Throwable failure, LoopStats loop, CoroutineStats coroutines, long allocatedBytes,
                long cpuNanos, long steps) {
            this.variant = variant;
            this.repNanos = repNanos;
            this.finished = finished;
            this.tasksLeft = tasksLeft;
            this.checksum = checksum;
            this.checksumOk = checksumOk;
            this.unavailable = unavailable;
            this.failure = failure;
            this.loop = loop;
            this.coroutines = coroutines;
            this.allocatedBytes = allocatedBytes;
            this.cpuNanos = cpuNanos;
            this.steps = steps;
        }

        static Result unavailable(Variant v, String why) {
            return new Result(v, new long[0], false, 0, 0, false, why, null, null, null, 0, 0, 0);
        }

        boolean measured() {
            return unavailable == null && repNanos.length > 0;
        }

        double medianMs() {
            return median(repNanos) / 1e6;
        }

        double minMs() {
            return Arrays.stream(repNanos).min().orElse(0) / 1e6;
        }

        double maxMs() {
            return Arrays.stream(repNanos).max().orElse(0) / 1e6;
        }

        double nsPerStep(int n, int k) {
            return median(repNanos) / ((double) n * k);
        }

        /** Per measured step. */
        double perStep(double total) {
            return steps == 0 ? 0 : total / steps;
        }

        static double median(long[] xs) {
            if (xs.length == 0) {
                return 0;
            }
            long[] s = xs.clone();
            Arrays.sort(s);
            int m = s.length / 2;
            return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2.0;
        }
    }

    List<Result> runAll() {
        long expected = Steps.expectedChecksum(o.n, o.k);
        List<Result> results = new ArrayList<>();
        try {
            for (Variant v : o.variants) {
                if (!v.runsAt(o.io)) {
                    say("%-30s skipped: the floor of --io %s", v.label, v.floorOf.label());
                    continue;
                }
                results.add(run(v, expected));
            }
        } finally {
            close();
        }
        return results;
    }

    /** Stops the echo server, if one was started. */
    void close() {
        if (echo != null) {
            echo.close();
            echo = null;
        }
    }

    /** The echo server for --io tcp, started on first use and shared by the variants. */
    private EchoServer echo;

    private EchoServer echo() {
        if (o.io == ScenarioOptions.Io.TCP && echo == null) {
            // Room for every task of a connection to have its request in flight at once.
            int perConnection = (o.n + o.connections - 1) / o.connections;
            echo = new EchoServer(Math.max(1024, 2 * perConnection));
        }
        return echo;
    }

    /** One variant: in a fresh JVM when running from the jar (unless --in-process), else here. */
    Result run(Variant v, long expected) {
        java.nio.file.Path jar = o.inProcess ? null : Fork.jar();
        if (jar == null) {
            return runHere(v, expected);
        }
        Result r = Fork.run(jar, v, o, progress);
        if (r.failure != null && !r.measured()) {
            say("%-30s failed: %s", v.label, r.failure.getMessage());
        }
        return r;
    }

    /** One variant, in this JVM. */
    Result runHere(Variant v, long expected) {
        WeftRuntime rt = WeftRuntime.builder().loops(o.loops).name("bench-" + v.label).build();
        Workload w = Workload.create(v, rt, o, v.isFloor() ? null : echo());
        try {
            String why = w.unavailable();
            if (why != null) {
                say("%-30s unavailable: %s", v.label, why);
                return Result.unavailable(v, why);
            }
            long warmUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(o.warmupMs);
            for (int i = 0; i < o.warmup || (o.warmup > 0 && System.nanoTime() < warmUntil); i++) {
                Rep r = rep(w, expected);
                if (!r.finished || r.failure != null) {
                    say("%-30s warm-up %d did not finish (%d tasks left)%s", v.label, i + 1, r.tasksLeft,
                            r.failure != null ? ": " + r.failure : "");
                    return result(v, new long[] {r.nanos}, r, null, null, 0, 0, 0);
                }
            }
            LoopStats loop0 = w.loopStats();
            CoroutineStats co0 = w.coroutineStats();
            long alloc0 = THREADS.getTotalThreadAllocatedBytes();
            long cpu0 = OS.getProcessCpuTime();
            long[] nanos = new long[o.reps];
            Rep last = null;
            int done = 0;
            for (int i = 0; i < o.reps; i++) {
                last = rep(w, expected);
                nanos[i] = last.nanos;
                done++;
                if (!last.finished || last.failure != null || !last.checksumOk) {
                    break;
                }
            }
            long alloc = THREADS.getTotalThreadAllocatedBytes() - alloc0;
            long cpu = OS.getProcessCpuTime() - cpu0;
            LoopStats loop = w.loopStats().minus(loop0);
            CoroutineStats co = co0 == null ? null : w.coroutineStats().minus(co0);
            long[] measured = Arrays.copyOf(nanos, done);
            Result r = result(v, measured, last, loop, co, alloc, cpu, (long) done * o.n * o.k);
            say("%-30s median %9.2f ms  (%d reps)%s", v.label, r.medianMs(), done,
                    r.finished ? "" : "  DID NOT FINISH: " + r.tasksLeft + " tasks left");
            return r;
        } finally {
            w.close();
        }
    }

    private Result result(Variant v, long[] nanos, Rep last, LoopStats loop, CoroutineStats co, long alloc,
            long cpu, long steps) {
        return new Result(v, nanos, last.finished, last.tasksLeft, last.checksum, last.checksumOk, null,
                last.failure, loop, co, alloc, cpu, steps);
    }

    private static final class Rep {
        long nanos;
        boolean finished;
        int tasksLeft;
        long checksum;
        boolean checksumOk;
        Throwable failure;
    }

    /** One repetition: post every task to its loop, wait for the last one (or the deadline). */
    private Rep rep(Workload w, long expected) {
        int n = o.n;
        AtomicInteger remaining = new AtomicInteger(n);
        LongAdder checksum = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch finished = new CountDownLatch(1);
        Workload.Sink sink = new Workload.Sink() {
            @Override
            public void done(long sum) {
                checksum.add(sum);
                if (remaining.decrementAndGet() == 0) {
                    finished.countDown();
                }
            }

            @Override
            public void failed(Throwable t) {
                failure.compareAndSet(null, t);
                finished.countDown();
            }
        };
        Rep r = new Rep();
        long t0 = System.nanoTime();
        w.startAll(n, sink);
        boolean ok;
        try {
            ok = finished.await(o.deadlineMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        }
        r.nanos = System.nanoTime() - t0;
        r.failure = failure.get();
        r.finished = ok && r.failure == null;
        r.tasksLeft = remaining.get();
        r.checksum = checksum.sum();
        r.checksumOk = r.finished && r.checksum == expected;
        if (r.finished) {
            w.quiesce();
        }
        return r;
    }

    private void say(String fmt, Object... args) {
        if (progress != null) {
            progress.printf(fmt + "%n", args);
        }
    }
}
