package dev.weft.bench;

/**
 * What one step computes: a small value derived from (task, step), so every variant's checksum can
 * be verified against {@link #expectedChecksum}, plus optional calibrated CPU work.
 */
final class Steps {
    private Steps() {}

    /** Iterations of {@link #spin} per nanosecond, calibrated once. */
    private static volatile double itersPerNs = -1;
    static volatile long sink;

    /** The value of step {@code k} of task {@code id}: in [0, 127], so boxing it never allocates. */
    static int value(int id, int k) {
        return (id * 31 + k * 17) & 127;
    }

    static long expectedChecksum(int n, int k) {
        long sum = 0;
        for (int id = 0; id < n; id++) {
            for (int s = 0; s < k; s++) {
                sum += value(id, s);
            }
        }
        return sum;
    }

    /** The value, after about {@code workNs} of CPU work (0: none). */
    static int compute(int id, int k, long iterations) {
        if (iterations > 0) {
            spin(iterations);
        }
        return value(id, k);
    }

    private static void spin(long iterations) {
        long x = iterations;
        for (long i = 0; i < iterations; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        if (x == 42) {
            sink = x; // practically never: keeps the loop from being removed
        }
    }

    /** Iterations that take about {@code workNs} on this machine (calibrated on first use). */
    static long iterationsFor(long workNs) {
        if (workNs <= 0) {
            return 0;
        }
        if (itersPerNs < 0) {
            calibrate();
        }
        return Math.max(1, Math.round(workNs * itersPerNs));
    }

    private static synchronized void calibrate() {
        if (itersPerNs > 0) {
            return;
        }
        long iters = 1_000_000;
        for (int i = 0; i < 5; i++) {
            spin(iters); // warm up the JIT
        }
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 7; i++) {
            long t0 = System.nanoTime();
            spin(iters);
            best = Math.min(best, System.nanoTime() - t0);
        }
        itersPerNs = iters / best;
    }
}
