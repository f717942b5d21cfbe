package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WeftRuntime;
import dev.weft.core.internal.Carriers;
import dev.weft.coroutines.internal.LoopCarriers;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A loop-affine coroutine that outlives its loop (blocked outside Weft past the close timeout) is no
 * longer loop-confined once the loop thread has ended: its continuation runs on a platform thread
 * of Weft's (never inline on whichever thread woke it, never on a virtual thread), nothing reports
 * it as loop-carried, and its suspending calls fail with RuntimeClosedException.
 */
class OutlivedLoopTest {

    /** What the coroutine saw after it woke up. */
    private record Seen(Thread carrier, boolean carrierThread, Loop carriersCurrent, boolean onLoopBefore,
            Throwable laterCall) {}

    @Test
    void aLoopCarriedCoroutineWokenAfterItsLoopEndedIsNotLoopConfined() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        WeftRuntime rt = WeftRuntime.builder().loops(1).closeTimeout(Duration.ofMillis(200)).build();
        Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
        Loop loop = rt.loop(0);
        BlockingQueue<String> wokenByPlatform = new LinkedBlockingQueue<>();
        BlockingQueue<String> wokenByVirtual = new LinkedBlockingQueue<>();
        CompletableFuture<Seen> platformWoke = new CompletableFuture<>();
        CompletableFuture<Seen> virtualWoke = new CompletableFuture<>();
        CountDownLatch inTake = new CountDownLatch(2);
        Coroutine<Void> a = co.launch(loop, () -> outlive(co, loop, inTake, wokenByPlatform, platformWoke));
        Coroutine<Void> b = co.launch(loop, () -> outlive(co, loop, inTake, wokenByVirtual, virtualWoke));
        assertTrue(inTake.await(20, TimeUnit.SECONDS), "the coroutines never got to take()");
        for (Coroutine<Void> c : java.util.List.of(a, b)) {
            Waits.awaitTrue(() -> c.thread().getState() == Thread.State.WAITING, "the coroutine never blocked in take()");
        }
        rt.close(); // gives up on them after 200 ms, stops the loop
        assertFalse(loop.thread().isAlive(), "the loop thread outlived close()");

        Thread waker = Thread.currentThread();
        wokenByPlatform.put("go"); // the unpark comes from this (platform) thread
        Seen s = platformWoke.get(20, TimeUnit.SECONDS);
        assertNotSame(waker, s.carrier(), "the continuation ran inline on the thread that woke it");
        checkOrphaned(loop, s);

        Thread virtualWaker = Thread.ofVirtual().start(() -> wokenByVirtual.add("go")); // and here from a virtual thread
        try {
            checkOrphaned(loop, virtualWoke.get(20, TimeUnit.SECONDS));
        } catch (java.util.concurrent.TimeoutException e) { // what the coroutine is doing, for the report
            StringBuilder sb = new StringBuilder("b: " + b.thread().getState() + " " + b + " queue=" + wokenByVirtual
                    + " waker " + virtualWaker.getState() + "\n");
            for (StackTraceElement el : b.thread().getStackTrace()) {
                sb.append("  at ").append(el).append('\n');
            }
            throw new AssertionError(sb.toString(), e);
        }

        for (Coroutine<Void> c : java.util.List.of(a, b)) {
            c.thread().join(TimeUnit.SECONDS.toMillis(20));
            assertFalse(c.thread().isAlive(), "the coroutine did not run to its end");
        }
        assertEquals(0, co.liveCoroutines());
    }

    private static Void outlive(Coroutines co, Loop loop, CountDownLatch inTake, BlockingQueue<String> queue,
            CompletableFuture<Seen> seen) throws InterruptedException {
        co.submit(() -> 1);
        boolean before = loop.isCarrierThread() && LoopCarriers.currentCarrier() == loop.thread();
        inTake.countDown();
        queue.take(); // blocked outside Weft, past the close timeout
        Thread carrier = LoopCarriers.currentCarrier();
        boolean carrierThread = loop.isCarrierThread();
        Loop current = Carriers.current();
        Throwable later = null;
        try {
            co.submit(() -> 2);
        } catch (Throwable t) {
            later = t;
        }
        seen.complete(new Seen(carrier, carrierThread, current, before, later));
        return null;
    }

    private static void checkOrphaned(Loop loop, Seen s) {
        assertTrue(s.onLoopBefore(), "before close, the coroutine ran on its loop");
        assertFalse(s.carrier().isVirtual(), "carried by a virtual thread: " + s.carrier());
        assertNotSame(loop.thread(), s.carrier());
        assertFalse(s.carrierThread(), "Loop.isCarrierThread() claims a coroutine whose loop has ended");
        assertNull(s.carriersCurrent(), "Carriers.current() claims a loop that has ended");
        assertTrue(s.laterCall() instanceof RuntimeClosedException, "a suspending call after close: " + s.laterCall());
        assertSame(RuntimeClosedException.class, s.laterCall().getClass());
    }
}
