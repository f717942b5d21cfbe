package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.BlockedLoop;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.RecordingBlockedLoopHandler;
import dev.weft.core.WeftRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The blocked-loop detector sees loop-carried coroutines: a report of a loop that carries one shows
 * the coroutine's own stack (the carrier's has only JDK frames), and a coroutine that has unmounted
 * is not blamed for what blocks the loop after it. Pinning is reported through JFR.
 */
class BlockedLoopCoroutineTest {
    private static final Duration THRESHOLD = Duration.ofMillis(100);

    @Test
    void aLoopCarriedCoroutineSpinningIsReportedWithItsOwnStack() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        RecordingBlockedLoopHandler h = new RecordingBlockedLoopHandler("spinOnTheCpu");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("spin").blockedLoopThreshold(THRESHOLD)
                .blockedLoopHandler(h).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            Coroutine<Long> c = co.launch(rt.loop(0), () -> {
                co.submit(() -> 1); // resumes once first: the hint is set again on the way back
                return spinOnTheCpu(TimeUnit.MILLISECONDS.toNanos(500));
            });
            h.awaitReport();
            h.awaitRecovery();
            co.await(c);

            assertEquals(1, h.naming().size(), "one report per episode: " + h.blocked);
            BlockedLoop r = h.naming().get(0);
            assertSame(c.thread(), r.carried(), "the report names the coroutine the loop carries");
            assertTrue(r.carriedStack().stream().anyMatch(f -> f.getMethodName().equals("spinOnTheCpu")),
                    "the coroutine's stack names the spinning method: " + r.carriedStack());
            assertTrue(r.loopStack().stream().noneMatch(f -> f.getMethodName().equals("spinOnTheCpu")),
                    "the carrier's own stack shows the continuation, not the user's code: " + r.loopStack());
            assertTrue(r.describe().contains("it carries coroutine VirtualThread[#" + c.thread().threadId()), r.describe());
            assertEquals(1, h.recoveriesNaming().size());
        }
    }

    /** The event under test: a loop-carried coroutine computing for {@code nanos} without a suspending call. */
    private static long spinOnTheCpu(long nanos) {
        long start = System.nanoTime();
        long spins = 0;
        while (System.nanoTime() - start < nanos) {
            spins++;
        }
        return spins;
    }

    @Test
    void aCoroutineThatUnmountedIsNotBlamedForACallbackThatBlocksTheLoopAfterIt() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        RecordingBlockedLoopHandler h = new RecordingBlockedLoopHandler("sleepInCallback");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).blockedLoopThreshold(THRESHOLD).blockedLoopHandler(h).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            CountDownLatch sleeping = new CountDownLatch(1);
            CountDownLatch wake = new CountDownLatch(1);
            // Parks in a call Weft does not see: the loop's hint still names it while the loop runs on.
            Coroutine<Void> parked = co.launch(rt.loop(0), () -> {
                sleeping.countDown();
                wake.await(20, TimeUnit.SECONDS);
                return null;
            });
            assertTrue(sleeping.await(20, TimeUnit.SECONDS));
            Waits.awaitTrue(() -> parked.thread().getState() == Thread.State.TIMED_WAITING, "the coroutine did not park");
            rt.loop(0).execute(BlockedLoopCoroutineTest::sleepInCallback);
            h.awaitReport();
            h.awaitRecovery();
            wake.countDown();
            co.await(parked);
            assertEquals(1, h.naming().size(), "one report per episode: " + h.blocked);
            assertNull(h.naming().get(0).carried(), "a parked coroutine was blamed: " + h.naming().get(0).describe());
        }
    }

    private static void sleepInCallback() {
        try {
            Thread.sleep(300); // the event under test: a callback blocking the loop for 300 ms
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aLoopCarriedCoroutinePinnedInAClassInitialiserIsCountedForItsLoop() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).name("pin").meterRegistry(registry).reportPinning(true)
                .disableBlockedLoopDetector().build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            assertEquals(0.0, registry.get("weft.coroutines.pinned").tag("loop", "0").functionCounter().count());
            co.await(co.launch(rt.loop(0), () -> SleepsInItsInitialiser.VALUE));
            Waits.awaitTrue(() -> registry.get("weft.coroutines.pinned").tag("loop", "0").functionCounter().count() >= 1,
                    "no pinned event counted for loop 0");
            assertEquals(1.0, registry.get("weft.coroutines.pinned").tag("loop", "0").functionCounter().count());
        }
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("pin-watchdog")));
    }

    /** A virtual thread that parks inside a class initialiser pins its carrier (a native frame), on every JDK. */
    private static final class SleepsInItsInitialiser {
        static final int VALUE;

        static {
            try {
                Thread.sleep(60); // the event under test: pinned for 60 ms (threshold 20 ms)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            VALUE = 1;
        }
    }
}
