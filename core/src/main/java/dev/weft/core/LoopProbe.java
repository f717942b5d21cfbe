package dev.weft.core;

import io.micrometer.core.instrument.Timer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One loop's lag probe, started only when the runtime has a meter registry: a task that the loop's
 * own timer runs every interval, which records how late it runs ({@code weft.loop.lag}: the delay a
 * task due now sees before the loop gets to it) and the share of the last interval the loop spent
 * outside its I/O wait ({@code weft.loop.utilization}).
 *
 * <p>Fields: loop-confined, except {@code utilization} (written here, read by the gauge) and
 * {@code stopped} (written by close).
 */
final class LoopProbe implements Runnable {
    private final Loop loop;
    private final long intervalNanos;
    private final Timer lag;
    private long expected;
    private long lastNanos;
    private long lastIdleNanos;
    private volatile double utilization;
    private volatile boolean stopped;

    LoopProbe(Loop loop, long intervalNanos, Timer lag) {
        this.loop = loop;
        this.intervalNanos = intervalNanos;
        this.lag = lag;
    }

    /** From any thread: the first probe is scheduled from the loop. */
    void start() {
        loop.eventLoop.execute(() -> {
            lastNanos = System.nanoTime();
            lastIdleNanos = loop.metrics.idleNanos;
            scheduleNext(lastNanos);
        });
    }

    void stop() {
        stopped = true;
    }

    /** Busy time over wall time during the last interval, 0..1 (0 before the first probe). */
    double utilization() {
        return utilization;
    }

    @Override
    public void run() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        lag.record(Math.max(0, now - expected), TimeUnit.NANOSECONDS);
        long wall = now - lastNanos;
        long idle = loop.metrics.idleNanos - lastIdleNanos;
        if (wall > 0) {
            utilization = Math.min(1.0, Math.max(0.0, 1.0 - (double) idle / wall));
        }
        lastNanos = now;
        lastIdleNanos = loop.metrics.idleNanos;
        scheduleNext(now);
    }

    private void scheduleNext(long now) {
        // Netty takes its own deadline a little after `now`: the probe never runs before `expected`.
        expected = now + intervalNanos;
        try {
            loop.eventLoop.schedule(this, intervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            stopped = true;
        }
    }
}
