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
