package dev.weft.coroutines;

import dev.weft.bench.jmh.AbstractBenchmark;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Two loops counting their resumes, as {@code Coroutines.counted} does on every resume: read the array
 * of per-loop counters, bump this loop's two loop-confined counters. {@code unpadded} has the layout
 * {@link LoopCounters} had before it was padded (the two counters first, then its adders; the fields
 * repeat LoopCounters' on purpose); {@code padded} is {@link LoopCounters} itself. Both are allocated as the facade allocates them: the array, then one
 * object per loop, so loop 0's counters follow the array that loop 1 reads. One thread per loop, in
 * one JMH group (the pattern of JMH's own false-sharing sample): the time per call is what a line
 * that travels between the two cores costs. In package {@code dev.weft.coroutines} to reach the
 * package-private class; run with {@code jmh LoopCountersSharing}.
 */
@State(Scope.Group)
public class LoopCountersSharingBenchmark extends AbstractBenchmark {

    /** LoopCounters' fields as they were before the padding. */
    static final class Unpadded {
        long resumes;
        long parks;
        final LongAdder started = new LongAdder();
        final LongAdder completed = new LongAdder();
        final LongAdder resumesOffLoop = new LongAdder();
        final LongAdder parksOffLoop = new LongAdder();
        final LongAdder yields = new LongAdder();
        final LongAdder unobservedFailures = new LongAdder();
    }

    /** {@code unpadded}: the layout before; {@code padded}: {@link LoopCounters} as it is. */
    @Param({"unpadded", "padded"})
    public String layout;

    private Unpadded[] unpadded;
    private LoopCounters[] padded;

    @Setup
    public void setup() {
        if (layout.equals("padded")) {
            padded = new LoopCounters[2];
            for (int i = 0; i < padded.length; i++) {
                padded[i] = new LoopCounters();
            }
        } else {
            unpadded = new Unpadded[2];
            for (int i = 0; i < unpadded.length; i++) {
                unpadded[i] = new Unpadded();
            }
        }
    }

    /** Loop 0's resumes, one call each (not inlined into JMH's loop, which would keep the counters in registers). */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    @Group("count")
    @GroupThreads(1)
    public void loop0() {
        count(0);
    }

    /** Loop 1's. */
    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    @Group("count")
    @GroupThreads(1)
    public void loop1() {
        count(1);
    }

    /** What {@code Coroutines.counted} does on a loop's resume: find the loop's counters, bump two. */
    private void count(int loop) {
        if (padded != null) {
            LoopCounters c = padded[loop];
            c.resumes++;
            c.parks += 1;
        } else {
            Unpadded c = unpadded[loop];
            c.resumes++;
            c.parks += 1;
        }
    }
}
