package dev.weft.examples.http;

/**
 * The small piece of work every {@code /STYLE/work} route does, kept apart so the three handlers show
 * only what their style does to the code: a local computation (no timer, no I/O), then one request to
 * the downstream TCP service, which transforms the number it gets (a stand-in for a lookup).
 */
final class Work {
    /** {@code n} when the query does not give one. */
    static final int DEFAULT_N = 1_000;
    /** The largest {@code n} a request may ask for (1 ms of CPU or so): the loop must not be held long. */
    static final int MAX_N = 1_000_000;

    private Work() {}

    /** The local step: an FNV-1a hash over {@code 0..n-1}, about a nanosecond per step. */
    static long digest(int n) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < n; i++) {
            h ^= i;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** What the downstream service answers for {@code x}. */
    static long downstream(long x) {
        return Long.rotateLeft(x * 0x9E3779B97F4A7C15L, 31);
    }

    /** The response body of {@code /STYLE/work?n=N}, the same in every style but for its name. */
    static String body(String style, int n, long digest, long remote) {
        return style + " n=" + n + " digest=" + Long.toHexString(digest) + " downstream=" + Long.toHexString(remote) + "\n";
    }
}
