package dev.weft.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WeftRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Bounded waits shared by the conformance suites: on events, never on the clock alone. */
public final class Waits {
    static final long WAIT = Outcome.WAIT_SECONDS;

    private Waits() {}

    /** Blocks {@code loop} until the returned latch is released. */
    public static CountDownLatch blockLoop(Loop loop) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        loop.execute(() -> {
            blocked.countDown();
            try {
                release.await(WAIT, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(WAIT, TimeUnit.SECONDS));
        return release;
    }

    /** Blocks every loop of {@code r} until the returned latch is released. */
    public static CountDownLatch blockLoops(WeftRuntime r) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        for (Loop l : r.loops()) {
            CountDownLatch one = blockLoop(l);
            new Thread(() -> {
                try {
                    release.await(WAIT, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                one.countDown();
            }).start();
        }
        return release;
    }

    /**
     * Waits until every loop has run everything submitted to it before this call, then everything
     * that work handed on: a pass through each loop's run queue, a pass through its next iteration
     * (a tick: after its I/O poll and the timers that were due) and a second pass through the run
     * queue. A late or duplicate delivery queued by anything before the call has therefore run when
     * this returns, so a test that counts deliveries after it would see it. On a closed runtime only
     * the run-queue passes are made (a tick cannot start there; queued work runs in the close's sweep).
     */
    public static void flushLoops(WeftRuntime r) {
        runOnEveryLoop(r, false);
        if (!r.isClosed()) {
            try {
                runOnEveryLoop(r, true);
            } catch (RuntimeClosedException closedMeanwhile) {
                // closed between the check and the tick: the second pass below still flushes
            }
        }
        runOnEveryLoop(r, false);
    }

    private static void runOnEveryLoop(WeftRuntime r, boolean nextIteration) {
        List<CompletableFuture<Void>> passes = new ArrayList<>();
        for (Loop l : r.loops()) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (nextIteration) {
                l.tick(() -> done.complete(null), (v, e) -> done.complete(null));
            } else {
                l.execute(() -> done.complete(null));
            }
            passes.add(done);
        }
        for (CompletableFuture<Void> done : passes) {
            try {
                done.get(WAIT, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("loop did not come round", e);
            }
        }
    }

    /**
     * After close: no loop thread, no thread named after the runtime, and no coroutine of the style
     * ({@code liveCoroutines}) is still running.
     */
    public static void assertNoThreadsLeft(WeftRuntime r, int liveCoroutines) {
        for (Loop l : r.loops()) {
            assertFalse(l.thread().isAlive(), () -> "loop thread still alive after close: " + l.thread() + stackOf(l.thread()));
        }
        String prefix = r.name() + "-";
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                fail("thread started by the runtime still alive after close: " + t + stackOf(t));
            }
        }
        assertEquals(0, liveCoroutines, "coroutines still running after close");
    }

    /** What {@code t} runs now, for a failure message: a thread left alive says why with its stack. */
    static String stackOf(Thread t) {
        StringBuilder b = new StringBuilder(", running:");
        for (StackTraceElement e : t.getStackTrace()) {
            b.append("\n\tat ").append(e);
        }
        return b.toString();
    }

    /** Waits (bounded) until {@code condition} holds. */
    public static void awaitTrue(Callable<Boolean> condition, String message) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        try {
            while (!condition.call()) {
                if (System.nanoTime() > deadline) {
                    fail(message);
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The outcome of {@code op}, waited for (bounded, {@link #WAIT} seconds): its value, or its failure
     * thrown (wrapped in {@link java.util.concurrent.ExecutionException}). Becomes the op's one listener.
     */
    public static <T> T await(Op<T> op) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        op.onComplete((v, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(v);
            }
        });
        return f.get(WAIT, TimeUnit.SECONDS);
    }

    /**
     * How many timers {@code loop}'s Netty event loop holds (its scheduled-task queue), counted on the
     * loop after everything queued before: a cancelled timer's removal, queued by a cancel from another
     * thread, has run by then. Reads a Netty field reflectively (test-only).
     */
    public static int scheduledTimers(Loop loop) {
        try {
            return loop.eventLoop().submit(() -> {
                java.lang.reflect.Field f = io.netty.util.concurrent.AbstractScheduledEventExecutor.class
                        .getDeclaredField("scheduledTaskQueue");
                f.setAccessible(true);
                java.util.Queue<?> q = (java.util.Queue<?>) f.get(loop.eventLoop());
                return q == null ? 0 : q.size();
            }).get(WAIT, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not count the timers of " + loop, e);
        }
    }
}
