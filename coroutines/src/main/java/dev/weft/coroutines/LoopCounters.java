package dev.weft.coroutines;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the coroutines of one facade homed on one loop (whatever carries them), and their meters.
 *
 * <p>The two loop-confined counters are written on every resume, by one loop each: they sit between
 * 128 bytes of padding (the superclasses below), so that no other loop's counters and nothing another
 * loop reads on its own resumes (this facade, the array of counters) share their cache line. Without
 * it, with two loops, the counters of loop 0 were allocated in the line of the array that loop 1
 * reads on each resume, and a collection could copy both loops' counters next to each other: the
 * resume path's loads then waited for the line to come back from the other core, and two loops took
 * up to twice the CPU of one for the same work (bench/results/2026-11-30/loops-false-sharing.txt).
 * Superclass fields are laid out before a subclass's, so the order below is the order in memory.
 */
final class LoopCounters extends LoopCountersPadAfter {
    /** Written from any thread (launches, default-scheduler resumes, yields): adders. */
    final LongAdder started = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder resumesOffLoop = new LongAdder();
    final LongAdder parksOffLoop = new LongAdder();
    final LongAdder yields = new LongAdder();
    final LongAdder unobservedFailures = new LongAdder();
    CoroutineStats snapshot() {
        long s = started.sum();
        long c = completed.sum();
        return new CoroutineStats(s, c, (int) Math.max(0, s - c), resumes, resumesOffLoop.sum(),
                parks + parksOffLoop.sum(), yields.sum(), unobservedFailures.sum());
    }

    /** Registers the meters of a facade: {@code perLoop[i]} tagged {@code loop=i}, and its live count. */
    static void registerMeters(MeterRegistry r, Tags facade, LoopCounters[] perLoop, AtomicInteger live) {
        for (int i = 0; i < perLoop.length; i++) {
            LoopCounters lc = perLoop[i];
            Tags tags = facade.and("loop", Integer.toString(i));
            FunctionCounter.builder("weft.coroutines.started", lc, x -> x.started.sum()).tags(tags).register(r);
            FunctionCounter.builder("weft.coroutines.completed", lc, x -> x.completed.sum()).tags(tags).register(r);
            FunctionCounter.builder("weft.coroutines.resumes", lc, x -> x.resumes)
                    .tags(tags.and("where", "on-loop")).register(r);
            FunctionCounter.builder("weft.coroutines.resumes", lc, x -> x.resumesOffLoop.sum())
                    .tags(tags.and("where", "off-loop")).register(r);
            FunctionCounter.builder("weft.coroutines.parks", lc, x -> x.parks + x.parksOffLoop.sum()).tags(tags).register(r);
            FunctionCounter.builder("weft.coroutines.yields", lc, x -> x.yields.sum()).tags(tags).register(r);
            FunctionCounter.builder("weft.coroutines.failures.unobserved", lc, x -> x.unobservedFailures.sum())
                    .description("coroutine failures that nothing took (logged once each)").tags(tags).register(r);
        }
        Gauge.builder("weft.coroutines.live", live, AtomicInteger::get).tags(facade).register(r);
    }
}

/** 128 bytes before the loop-confined counters. */
abstract class LoopCountersPadBefore {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The loop-confined counters: resumes on the loop's own thread (LOOP_AFFINE), plain fields. */
abstract class LoopCountersHot extends LoopCountersPadBefore {
    long resumes;
    long parks;
}

/** 128 bytes after them (the adjacent-line prefetcher moves lines in pairs). */
abstract class LoopCountersPadAfter extends LoopCountersHot {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
}
