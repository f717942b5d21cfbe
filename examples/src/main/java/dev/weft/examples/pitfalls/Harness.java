package dev.weft.examples.pitfalls;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * The one timing loop of the gallery: warm each side up, then alternate naive and fixed runs (so that
 * a busy moment of the machine hits both alike) and report each side's median. No JMH: these gaps
 * are large (several times, not percents), and each pitfall is a whole small program, not a method.
 */
final class Harness {
    private Harness() {}

    /** One pitfall's outcome. Times in nanoseconds (medians). */
    record Row(String name, long naiveNanos, long fixedNanos, boolean sameAnswer, Object naiveAnswer,
            Object fixedAnswer, String reason, String timeMeans, String naiveNote, String fixedNote) {

        double ratio() {
            return (double) naiveNanos / Math.max(1, fixedNanos);
        }
    }

    static Row run(Pitfall p, int warmups, int reps) throws Exception {
        for (int i = 0; i < warmups; i++) {
            p.naive();
            p.fixed();
        }
        long[] naive = new long[reps];
        long[] fixed = new long[reps];
        Object naiveAnswer = null;
        Object fixedAnswer = null;
        for (int i = 0; i < reps; i++) {
            Timed n = timed(p::naive);
            Timed f = timed(p::fixed);
            naive[i] = n.nanos;
            fixed[i] = f.nanos;
            naiveAnswer = n.answer;
            fixedAnswer = f.answer;
        }
        return new Row(p.name(), median(naive), median(fixed), Objects.equals(naiveAnswer, fixedAnswer),
                naiveAnswer, fixedAnswer, p.reason(), p.timeMeans(), p.naiveNote(), p.fixedNote());
    }

    record Timed(Object answer, long nanos) {}

    /** A third way, for a note: {@code runs} timed runs after one warm-up; the median and the last answer. */
    static Timed median(Side side, int runs) throws Exception {
        side.run();
        long[] t = new long[runs];
        Object answer = null;
        for (int i = 0; i < runs; i++) {
            Timed one = timed(side);
            t[i] = one.nanos;
            answer = one.answer;
        }
        return new Timed(answer, median(t));
    }

    @FunctionalInterface
    interface Side {
        Object run() throws Exception;
    }

    private static Timed timed(Side side) throws Exception {
        long t0 = System.nanoTime();
        Object answer = side.run();
        long t = System.nanoTime() - t0;
        if (answer instanceof Pitfall.Measured m) {
            return new Timed(m.answer(), m.nanos());
        }
        return new Timed(answer, t);
    }

    private static long median(long[] xs) {
        long[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static String header() {
        return String.format("%-34s %10s %10s %8s  %s", "pitfall", "naive", "fixed", "ratio", "same answer");
    }

    /** The row's line, its reason, and its notes, as the gallery prints them. */
    static void print(PrintStream out, Row r) {
        String verdict = r.ratio() >= 1.1 ? "" : r.ratio() > 0.9 ? "  (no real difference in this run)"
                : "  (the fixed side was slower in this run)";
        out.printf("%-34s %10s %10s %7.1fx  %s%s%n", r.name(), time(r.naiveNanos()), time(r.fixedNanos()), r.ratio(),
                r.sameAnswer() ? "yes" : "NO: " + r.naiveAnswer() + " vs " + r.fixedAnswer(), verdict);
        out.println("    why: " + r.reason());
        if (!r.timeMeans().isEmpty()) {
            out.println("    time: " + r.timeMeans());
        }
        if (!r.naiveNote().isEmpty()) {
            out.println("    naive: " + r.naiveNote());
        }
        if (!r.fixedNote().isEmpty()) {
            out.println("    fixed: " + r.fixedNote());
        }
    }

    static String time(long nanos) {
        if (nanos >= 10_000_000L) {
            return String.format("%.0f ms", nanos / 1e6);
        }
        if (nanos >= 1_000_000L) {
            return String.format("%.1f ms", nanos / 1e6);
        }
        return String.format("%.0f us", nanos / 1e3);
    }
}
