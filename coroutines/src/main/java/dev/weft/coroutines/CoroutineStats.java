package dev.weft.coroutines;

/**
 * Counters of one {@link Coroutines} facade ({@link Coroutines#stats()}) or of its coroutines homed on
 * one loop ({@link Coroutines#stats(dev.weft.core.Loop)}).
 *
 * @param started coroutines started
 * @param completed coroutines whose body ended (in any way)
 * @param live coroutines started and not ended ({@code started - completed}, each read on its own: it
 *     can lag while coroutines start and end; {@link Coroutines#liveCoroutines()} is exact)
 * @param resumesOnLoop resumes after a suspension that ran on the coroutine's loop thread (verified
 *     against the actual carrier, not assumed)
 * @param resumesOffLoop resumes that ran on any other thread (a cross-thread handoff each)
 * @param parks times a suspended coroutine parked (more than resumes when woken spuriously)
 * @param yields {@link Coroutines#yieldNow()} calls made by coroutines
 * @param unobservedFailures coroutine failures that nothing took, each logged once (see
 *     {@link Coroutines#launch(dev.weft.core.Loop, java.util.concurrent.Callable)} for the rule)
 */
public record CoroutineStats(long started, long completed, int live, long resumesOnLoop, long resumesOffLoop,
        long parks, long yields, long unobservedFailures) {

    /** The counters without {@code unobservedFailures} (zero), as before that counter existed. */
    public CoroutineStats(long started, long completed, int live, long resumesOnLoop, long resumesOffLoop,
            long parks, long yields) {
        this(started, completed, live, resumesOnLoop, resumesOffLoop, parks, yields, 0);
    }

    /** All resumes. */
    public long resumes() {
        return resumesOnLoop + resumesOffLoop;
    }

    /** The sum of two snapshots (of different loops). */
    public CoroutineStats plus(CoroutineStats o) {
        return new CoroutineStats(started + o.started, completed + o.completed, live + o.live,
                resumesOnLoop + o.resumesOnLoop, resumesOffLoop + o.resumesOffLoop, parks + o.parks, yields + o.yields,
                unobservedFailures + o.unobservedFailures);
    }

    /** This minus an earlier snapshot ({@code live}: this one's). */
    public CoroutineStats minus(CoroutineStats b) {
        return new CoroutineStats(started - b.started, completed - b.completed, live,
                resumesOnLoop - b.resumesOnLoop, resumesOffLoop - b.resumesOffLoop, parks - b.parks, yields - b.yields,
                unobservedFailures - b.unobservedFailures);
    }
}
