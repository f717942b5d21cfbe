package dev.weft.examples.pitfalls;

/**
 * One pitfall of the gallery: a naive and a fixed way to do the same job, each returning its answer
 * (the gallery checks both give the same one). A pitfall owns what it needs (a runtime, a server, a
 * data set), made in its constructor and released by {@link #close()}; {@link Harness} times the two
 * sides. A side that times something other than its whole call (how long the <em>other</em>
 * coroutines took, say) returns {@link Measured}.
 */
abstract class Pitfall implements AutoCloseable {
    /** How big a run is: {@code SMALL} for the test (seconds in all), {@code FULL} for real figures. */
    enum Size { SMALL, FULL }

    /** A side's answer with the time it wants reported instead of its call's duration. */
    record Measured(Object answer, long nanos) {}

    private final String name;
    private final String reason;

    Pitfall(String name, String reason) {
        this.name = name;
        this.reason = reason;
    }

    final String name() {
        return name;
    }

    /** Why the naive side is slower (or worse), in one line. */
    final String reason() {
        return reason;
    }

    abstract Object naive() throws Exception;

    abstract Object fixed() throws Exception;

    /** What the naive side showed beside its time (peak memory, others' latency, ...), after the timed runs; "" if nothing. */
    String naiveNote() throws Exception {
        return "";
    }

    /** As {@link #naiveNote()}, for the fixed side. */
    String fixedNote() throws Exception {
        return "";
    }

    /** What the time measures, when it is not the side's whole call. */
    String timeMeans() {
        return "";
    }

    @Override
    public void close() throws Exception {
    }

    static int pick(Size size, int small, int full) {
        return size == Size.SMALL ? small : full;
    }
}
