package dev.weft.coroutines;

import dev.weft.bench.jmh.AbstractBenchmark;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Two loops counting their resumes, as {@code Coroutines.counted} does on every resume: read the array
 * of per-loop counters, bump this loop's two loop-confined counters. {@code unpadded} has the layout
 * {@link LoopCounters} had before it was padded (the two counters first, then its adders); {@code padded}
 * is {@link LoopCounters} itself. Both are allocated as the facade allocates them: the array, then one
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

    private Unpadded[] unpadded;
    private LoopCounters[] padded;

    @Setup
    public void setup() {
        unpadded = new Unpadded[2];
        for (int i = 0; i < unpadded.length; i++) {
            unpadded[i] = new Unpadded();
        }
        padded = new LoopCounters[2];
        for (int i = 0; i < padded.length; i++) {
            padded[i] = new LoopCounters();
        }
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // one call per resume, as in Coroutines: nothing hoisted out of JMH's loop
    @Group("unpadded")
    @GroupThreads(1)
    public void unpaddedLoop0() {
        Unpadded c = unpadded[0];
        c.resumes++;
        c.parks += 1;
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // one call per resume, as in Coroutines: nothing hoisted out of JMH's loop
    @Group("unpadded")
    @GroupThreads(1)
    public void unpaddedLoop1() {
        Unpadded c = unpadded[1];
        c.resumes++;
        c.parks += 1;
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // one call per resume, as in Coroutines: nothing hoisted out of JMH's loop
    @Group("padded")
    @GroupThreads(1)
    public void paddedLoop0() {
        LoopCounters c = padded[0];
        c.resumes++;
        c.parks += 1;
    }

    @Benchmark
    @CompilerControl(CompilerControl.Mode.DONT_INLINE) // one call per resume, as in Coroutines: nothing hoisted out of JMH's loop
    @Group("padded")
    @GroupThreads(1)
    public void paddedLoop1() {
        LoopCounters c = padded[1];
        c.resumes++;
        c.parks += 1;
    }
}
