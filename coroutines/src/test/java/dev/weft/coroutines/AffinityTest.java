package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import dev.weft.conformance.Waits;
import dev.weft.coroutines.internal.LoopCarriers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Where coroutines resume, counted at every resume (not sampled): on the loop thread with the
 * loop-affine scheduler, never on it with the default one.
 */
class AffinityTest {
    private static final int COROUTINES = 500;
    private static final int STEPS = 20;

    @Test
    void loopAffineCoroutinesResumeOnTheirLoopThreadEveryTime() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            AtomicLong onLoop = new AtomicLong();
            AtomicLong offLoop = new AtomicLong();
            runAll(rt, co, onLoop, offLoop);
            long resumes = (long) COROUTINES * STEPS;
            assertEquals(resumes, onLoop.get(), "steps observed on the loop thread");
            assertEquals(0, offLoop.get(), "steps observed off the loop thread");
            CoroutineStats s = co.stats();
            assertEquals(resumes, s.resumesOnLoop());
            assertEquals(0, s.resumesOffLoop());
            assertEquals(COROUTINES, s.completed());
            long handoffs = rt.stats().crossThreadHandoffs();
            // Each coroutine is started from this (test) thread: its start and its registration are
            // the only cross-thread handoffs; its resumes and next operations are not.
            assertEquals(true, handoffs <= 2L * COROUTINES + 4, "cross-thread handoffs: " + handoffs);
        }
    }

    /**
     * Loop.isCarrierThread() recognises a loop-affine coroutine from the loop's carrying hint: it must
     * say yes for its own loop only, also after a park the facade does not see (a JDK park, during
     * which other coroutines ran on the loop and moved the hint), and never for a default-scheduler one.
     */
    @Test
    void aCoroutineIsTheCarrierThreadOfItsOwnLoopOnly() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            Coroutines other = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            Loop l0 = rt.loops().get(0);
            Loop l1 = rt.loops().get(1);
            // l1 carries a coroutine that sits in a JDK park: its hint names that coroutine meanwhile
            java.util.concurrent.CountDownLatch l1Busy = new java.util.concurrent.CountDownLatch(1);
            Coroutine<Object> parked = co.launch(l1, () -> {
                l1Busy.countDown();
                java.util.concurrent.locks.LockSupport.parkNanos(200_000_000);
                return null;
            });
            assertTrue(l1Busy.await(10, java.util.concurrent.TimeUnit.SECONDS));
            List<Coroutine<String>> cs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                cs.add(co.launch(l0, () -> {
                    StringBuilder b = new StringBuilder();
                    b.append(l0.isCarrierThread()).append(l1.isCarrierThread());
                    co.tick(() -> 1);
                    b.append(l0.isCarrierThread()).append(l1.isCarrierThread());
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // unseen by the facade
                    b.append(l0.isCarrierThread()).append(l1.isCarrierThread());
                    return b.toString();
                }));
            }
            Coroutine<String> off = other.launch(l0, () -> {
                co.launch(l0, () -> null); // something for l0 to carry meanwhile
                return "" + l0.isCarrierThread() + l1.isCarrierThread() + other.tick(() -> l0.isCarrierThread());
            });
            Waits.awaitTrue(() -> parked.isDone() && off.isDone() && cs.stream().allMatch(Coroutine::isDone), "coroutines did not end");
            for (Coroutine<String> c : cs) {
                assertEquals("truefalsetruefalsetruefalse", c.getOrThrow());
            }
            assertEquals("falsefalsetrue", off.getOrThrow(), "a default-scheduler coroutine (its tick runs on the loop)");
        }
    }

    @Test
    void defaultSchedulerCoroutinesResumeOffTheLoopEveryTime() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            AtomicLong onLoop = new AtomicLong();
            AtomicLong offLoop = new AtomicLong();
            runAll(rt, co, onLoop, offLoop);
            long resumes = (long) COROUTINES * STEPS;
            if (LoopCarriers.currentCarrier() != null) {
                assertEquals(0, onLoop.get());
                assertEquals(resumes, offLoop.get());
            }
            assertEquals(resumes, co.stats().resumesOffLoop());
            assertEquals(0, co.stats().resumesOnLoop());
            assertEquals(true, rt.stats().crossThreadHandoffs() >= resumes,
                    "every next operation hops back to the loop: " + rt.stats().crossThreadHandoffs());
        }
    }

    @Test
    void countersAreKeptPerLoopAndSumToTheFacadeTotals() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Coroutines co = Coroutines.of(rt);
            List<Coroutine<Integer>> cs = new ArrayList<>();
            int[] launched = {30, 70};
            for (Loop l : rt.loops()) {
                for (int i = 0; i < launched[l.index()]; i++) {
                    cs.add(co.launch(l, () -> {
                        co.submit(() -> 1);
                        co.yieldNow();
                        return co.submit(() -> 2);
                    }));
                }
            }
            for (Coroutine<Integer> c : cs) {
                assertEquals(2, co.await(c));
            }
            Waits.awaitTrue(() -> co.liveCoroutines() == 0, "coroutines still live");
            CoroutineStats total = co.stats();
            for (Loop l : rt.loops()) {
                CoroutineStats s = co.stats(l);
                int n = launched[l.index()];
                assertEquals(n, s.started(), "started on loop " + l.index());
                assertEquals(n, s.completed(), "completed on loop " + l.index());
                assertEquals(0, s.live());
                assertEquals(2L * n, s.resumes(), "two suspending calls each, on loop " + l.index());
                assertEquals(n, s.yields(), "one yield each, on loop " + l.index());
            }
            assertEquals(total, co.stats(rt.loop(0)).plus(co.stats(rt.loop(1))));
            assertEquals(100, total.started());
            try (WeftRuntime other = WeftRuntime.builder().loops(1).build()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> co.stats(other.loop(0)));
                assertTrue(e.getMessage().startsWith("loop: "), e.getMessage());
            }
        }
    }

    @Test
    void theRuntimeBuilderChoosesTheSchedulerOfCoroutinesOf() throws Exception {
        try (WeftRuntime byDefault = WeftRuntime.builder().loops(1).build();
                WeftRuntime chosen = WeftRuntime.builder().loops(1).coroutineScheduler(CoroutineScheduler.DEFAULT).build()) {
            assertEquals(CoroutineScheduler.LOOP_AFFINE, Coroutines.of(byDefault).requestedScheduler());
            Coroutines co = Coroutines.of(chosen);
            assertEquals(CoroutineScheduler.DEFAULT, co.requestedScheduler());
            assertEquals(CoroutineScheduler.DEFAULT, co.scheduler());
            Loop loop = chosen.loop(0);
            Thread carrier = co.await(co.launch(loop, () -> {
                co.submit(() -> 1);
                return LoopCarriers.currentCarrier();
            }));
            assertNotSame(loop.thread(), carrier, "a DEFAULT coroutine resumed on its loop's thread");
            assertEquals(CoroutineScheduler.LOOP_AFFINE,
                    Coroutines.of(chosen, CoroutineScheduler.LOOP_AFFINE).requestedScheduler(), "of(rt, s) overrides");
        }
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> WeftRuntime.builder().coroutineScheduler(null));
        assertTrue(npe.getMessage().contains("scheduler"), npe.getMessage());
    }

    private static void runAll(WeftRuntime rt, Coroutines co, AtomicLong onLoop, AtomicLong offLoop) {
        List<Coroutine<Integer>> cs = new ArrayList<>();
        for (int i = 0; i < COROUTINES; i++) {
            cs.add(co.launch(() -> {
                Loop home = Coroutines.current().loop();
                int sum = 0;
                for (int k = 0; k < STEPS; k++) {
                    sum += (k % 2 == 0) ? co.submit(() -> 1) : delayOne(co);
                    Thread carrier = LoopCarriers.currentCarrier();
                    if (carrier == home.thread()) {
                        onLoop.incrementAndGet();
                    } else {
                        offLoop.incrementAndGet();
                    }
                }
                return sum;
            }));
        }
        for (Coroutine<Integer> c : cs) {
            assertEquals(STEPS, co.await(c));
        }
    }

    private static int delayOne(Coroutines co) {
        co.delay(Duration.ZERO);
        return 1;
    }
}
