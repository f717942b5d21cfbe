package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cancelling a coroutine that is blocked outside Weft (a JDK sleep, queue, lock or socket) interrupts
 * it, as cancelling an offload interrupts its worker; one suspended on a Weft operation is woken by
 * that operation's cancellation instead, and its thread is not left interrupted.
 */
class CancelInterruptsTest {
    private static final long WAIT = 20;

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aTimedOutCoroutineAsleepInThreadSleepIsInterrupted(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            CompletableFuture<Throwable> sleeper = new CompletableFuture<>();
            long t0 = System.nanoTime();
            assertThrows(OperationTimeoutException.class, () -> co.withTimeout(Duration.ofMillis(50), () -> {
                try {
                    Thread.sleep(60_000);
                    sleeper.complete(null);
                } catch (Throwable t) {
                    sleeper.complete(t);
                }
                return null;
            }));
            assertInstanceOf(InterruptedException.class, sleeper.get(WAIT, TimeUnit.SECONDS),
                    "the timed-out body slept on");
            // A correctness bound (the body sleeps 60 s), not a speed one.
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "the timeout waited for the sleeping body");
            Waits.awaitTrue(() -> co.liveCoroutines() == 0, "the timed-out coroutine is still running");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aCancelledCoroutineBlockedInBlockingQueueTakeIsInterrupted(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            BlockingQueue<String> queue = new LinkedBlockingQueue<>();
            CompletableFuture<Throwable> taker = new CompletableFuture<>();
            Coroutine<String> c = co.launch(() -> {
                try {
                    String s = queue.take();
                    taker.complete(null);
                    return s;
                } catch (Throwable t) {
                    taker.complete(t);
                    throw t;
                }
            });
            Waits.awaitTrue(() -> c.thread().getState() == Thread.State.WAITING, "the coroutine never blocked in take()");
            assertTrue(c.cancel());
            assertInstanceOf(InterruptedException.class, taker.get(WAIT, TimeUnit.SECONDS), "the cancelled body went on waiting");
            assertThrows(CancellationException.class, () -> co.await(c));
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aCoroutineCancelledWhileSuspendedOnWeftIsNotLeftInterrupted(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            Promise<Void> never = rt.loop(0).promise(null);
            CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
            Coroutine<Void> c = co.launch(() -> {
                try {
                    co.await(never);
                } catch (CancellationException expected) {
                    interruptedAfter.complete(Thread.currentThread().isInterrupted());
                }
                return null;
            });
            Waits.awaitTrue(c::isSuspended, "the coroutine never suspended");
            assertTrue(c.cancel());
            assertFalse(interruptedAfter.get(WAIT, TimeUnit.SECONDS), "the cancel's interrupt leaked into the body");
            assertTrue(never.isCancelled());
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void theInterruptIsConsumedWhereTheCancellationIsDelivered(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            CompletableFuture<Void> cancelled = new CompletableFuture<>();
            CompletableFuture<String> after = new CompletableFuture<>();
            Coroutine<Void> c = co.launch(() -> {
                cancelled.join(); // blocked outside Weft, ignoring interrupts, until the test has cancelled it
                try {
                    co.submit(() -> 1);
                    after.complete("the suspending call of a cancelled coroutine did not throw");
                } catch (CancellationException expected) {
                    after.complete(Thread.currentThread().isInterrupted() ? "still interrupted" : "clear");
                }
                return null;
            });
            Waits.awaitTrue(() -> c.thread().getState() == Thread.State.WAITING, "the coroutine never blocked");
            assertTrue(c.cancel());
            cancelled.complete(null);
            assertEquals("clear", after.get(WAIT, TimeUnit.SECONDS));
        }
    }
}
