package dev.weft.core.internal;

import dev.weft.core.Loop;
import dev.weft.core.WeftRuntime;
import java.time.Duration;
import java.util.List;

/**
 * Argument checks shared by core and the facades, so every misuse reads the same way:
 * {@code "delay: PT-0.005S (expected: >= 0)"}. Not API: may change without notice.
 */
public final class Checks {
    private Checks() {}

    /** {@code loop}, checked to be non-null and one of {@code runtime}'s loops. */
    public static Loop ownLoop(WeftRuntime runtime, Loop loop) {
        notNull(loop, "loop");
        if (loop.runtime() != runtime) {
            throw new IllegalArgumentException("loop: " + loop + " (expected: a loop of " + runtime + ")");
        }
        return loop;
    }

    /**
     * {@code value}, checked to be non-null. On every operation's path, so it allocates nothing: a
     * message supplier would be a capturing lambda, made per call wherever the JIT does not inline it
     * (in one compiled shape of a coroutine's tick it was not: about 4 ns per call).
     */
    public static <T> T notNull(T value, String name) {
        if (value == null) {
            throw nullArgument(name);
        }
        return value;
    }

    private static NullPointerException nullArgument(String name) {
        return new NullPointerException(name + ": null (expected: non-null)");
    }

    public static Duration notNegative(Duration d, String name) {
        notNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
        }
        return d;
    }

    public static Duration positive(Duration d, String name) {
        notNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return d;
    }

    public static int positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    public static long notNegative(long v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= 0)");
        }
        return v;
    }

    /** A list with no null elements; the list itself is not copied. */
    public static <T> List<T> noNulls(List<T> list, String name) {
        notNull(list, name);
        for (int i = 0, n = list.size(); i < n; i++) {
            if (list.get(i) == null) {
                throw new NullPointerException(name + "[" + i + "]: null (expected: non-null)");
            }
        }
        return list;
    }

    /** Nanoseconds of a duration, saturated (a 300-year timer is as good as "never"). */
    public static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }
}
