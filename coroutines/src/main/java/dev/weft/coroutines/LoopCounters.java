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
 * <p>The two loop-confined counters are written on every resume, by one loop each: 64 bytes of
 * padding on each side keep them alone in their cache line, so that nothing another loop touches on
 * its own resumes (the other loop's counters, the array of counters, the facade) can share it. Without
 * it, with two loops, the counters of loop 0 were allocated in the line of the array that loop 1 reads
 * on each resume, and a collection can copy two loops' counters side by side: the resume path then
 * waited for the line to come back from the other core, and two loops took up to twice the CPU of one
 * for the same work (bench/results/2026-11-30/loops-false-sharing.txt, sections 6 and 7). HotSpot lays
 * out fields of one size in declaration order, longs before references; LoopCountersLayoutTest checks
 * the real offsets, so a JVM that orders them otherwise fails the build instead of sharing the line.
 */
final class LoopCounters {
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6, p7;
    /** Loop-confined: resumes on the loop's own thread (LOOP_AFFINE), plain fields. */
    long resumes;
    long parks;
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6, q7;

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
