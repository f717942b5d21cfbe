package dev.weft.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The blocked-loop detector: a daemon platform thread, {@code <runtime>-watchdog}, that every half
 * threshold reads each loop's {@link Loop#progress()} and reports a loop whose value has stayed the
 * same, and even (busy, not waiting in its I/O poll), for at least the threshold: once per episode
 * (WARN with the stacks, the {@code weft.loop.blocked} counter, the handler), then once when it
 * moves again (INFO with how long the loop was blocked).
 *
 * <pre>
 * Overview (maintainers)
 *
 * What the loops pay: nothing per task. The heartbeat is bumped with an opaque store (a plain store
 * on x86) per drain pass and twice per loop iteration (into and out of the poll's wait, see
 * LoopIoHandler); a loop-carried coroutine names itself to its loop with one opaque store after each
 * resume and one before each park (Carriers.carrying). No time is read on the loop for this: the
 * watchdog measures time itself, from the first scan that saw a value. So a report comes between
 * one threshold and one and a half thresholds after the loop stopped, and the durations it gives
 * are at most half a threshold short.
 *
 * What it never does: submit anything to a loop, or wait for one. It reads two fields per loop per
 * scan; only when it reports does it take stacks (Thread.getStackTrace, a handshake with the
 * blocked thread, not with the loop's progress).
 *
 * Which coroutine: the loop's carrying hint (Loop.carryingHint) names the virtual thread the facade
 * says it carries; it can be stale (a loop-carried coroutine that parked in a call Weft does not see,
 * Thread.sleep, unmounts without clearing it), so it is checked with the JDK: the virtual thread's
 * carrier must be the loop's thread right now (VirtualThread.carrierThread through a private lookup
 * when java.base/java.lang is opened, which the loop-affine scheduler needs anyway; else the carrier
 * its toString names).
 *
 * Fields: Watch is confined to the watchdog thread, except `episodes`, a single-writer volatile read
 * by the meter.
 * </pre>
 */
final class BlockedLoopDetector implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(BlockedLoopDetector.class);
    private static final StackTraceElement[] NONE = new StackTraceElement[0];
    /** The watchdog never scans more often than this, whatever the threshold. */
    private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String runtime;
    private final Loop[] loops;
    private final Duration threshold;
    private final long thresholdNanos;
    private final BlockedLoopHandler handler;
    private final Watch[] watches;
    private final Thread thread;
    private volatile boolean stopped;

    /** What the watchdog knows of one loop. */
    private static final class Watch {
        long beat = -1;
        long since;
        BlockedLoop episode;
        /** Episodes reported; written by the watchdog only. */
        volatile long episodes;
    }

    /** @param handler told in addition to the log lines, or {@code null} */
    BlockedLoopDetector(String runtime, Loop[] loops, Duration threshold, BlockedLoopHandler handler) {
        this.runtime = runtime;
        this.loops = loops;
        this.threshold = threshold;
        this.thresholdNanos = threshold.toNanos();
        this.handler = handler;
        this.watches = new Watch[loops.length];
        for (int i = 0; i < watches.length; i++) {
            watches[i] = new Watch();
        }
        this.thread = new Thread(this, runtime + "-watchdog");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the watchdog; the caller joins {@link #thread()}. */
    void stop() {
        stopped = true;
        LockSupport.unpark(thread);
    }

    Thread thread() {
        return thread;
    }

    /** Episodes reported for loop {@code index} (any thread). */
    long episodes(int index) {
        return watches[index].episodes;
    }

    @Override
    public void run() {
        long period = Math.max(MIN_PERIOD_NANOS, thresholdNanos / 2);
        while (!stopped) {
            LockSupport.parkNanos(this, period);
            if (stopped) {
                return;
            }
            long now = System.nanoTime();
            for (int i = 0; i < loops.length; i++) {
                try {
                    check(loops[i], watches[i], now);
                } catch (RuntimeException | StackOverflowError e) {
                    log.warn("{}: the blocked-loop detector failed on loop {}; it carries on", runtime, i, e);
                }
            }
        }
    }

    private void check(Loop loop, Watch w, long now) {
        if (loop.isTerminated()) {
            return;
        }
        long beat = loop.progress();
        if (beat != w.beat || Loop.idle(beat)) {
            if (w.episode != null) {
                recovered(loop, w, now);
            }
            w.beat = beat;
            w.since = now;
        } else if (w.episode == null && now - w.since >= thresholdNanos) {
            blocked(loop, w, now);
        }
    }

    private void blocked(Loop loop, Watch w, long now) {
        Thread t = loop.thread();
        StackTraceElement[] loopStack = t.getStackTrace();
        Thread carried = carriedBy(loop, t);
        StackTraceElement[] carriedStack = carried != null ? carried.getStackTrace() : NONE;
        BlockedLoop report = new BlockedLoop(runtime, loop.index(), t, Duration.ofNanos(now - w.since), threshold,
                List.of(loopStack), carried, List.of(carriedStack));
        w.episode = report;
        w.episodes = w.episodes + 1; // single writer
        log.warn(report.describe());
        if (handler != null) {
            try {
                handler.onBlocked(report);
            } catch (RuntimeException e) {
                log.warn("{}: blocked-loop handler {} threw", runtime, handler, e);
            }
        }
    }

    private void recovered(Loop loop, Watch w, long now) {
        BlockedLoop report = w.episode;
        w.episode = null;
        Duration blockedFor = Duration.ofNanos(now - w.since);
        log.info("{}: loop {} ({}) is back after being blocked for about {} ms", runtime, loop.index(),
                report.loopThread().getName(), blockedFor.toMillis());
        if (handler != null) {
            try {
                handler.onRecovered(report, blockedFor);
            } catch (RuntimeException e) {
                log.warn("{}: blocked-loop handler {} threw", runtime, handler, e);
            }
        }
    }

    /** The virtual thread {@code loop} carries now, if its facade named it and the JDK agrees; else {@code null}. */
    private static Thread carriedBy(Loop loop, Thread loopThread) {
        Thread hint = loop.carryingHint();
        if (hint == null || !hint.isVirtual()) {
            return null;
        }
        return carrierOf(hint) == loopThread || (CARRIER_THREAD == null
                && hint.toString().endsWith("@" + loopThread.getName())) ? hint : null;
    }

    private static Thread carrierOf(Thread virtualThread) {
        return CARRIER_THREAD == null ? null : (Thread) CARRIER_THREAD.getOpaque(virtualThread);
    }

    /** java.lang.VirtualThread.carrierThread, or {@code null} when java.base/java.lang is not opened to Weft. */
    private static final VarHandle CARRIER_THREAD;

    static {
        VarHandle vh = null;
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            vh = MethodHandles.privateLookupIn(vt, MethodHandles.lookup()).findVarHandle(vt, "carrierThread", Thread.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not opened, or another JDK: the toString check above stands in
        }
        CARRIER_THREAD = vh;
    }
}
