package dev.weft.conformance;

import dev.weft.core.Op;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * A child operation for the combinator tests, described once and started by each style in its own
 * idiom: either "run {@code task} on the loop after {@code after}" or "wait for {@code op}".
 */
public record Src<T>(Duration after, Callable<T> task, Op<T> op) {

    public static <T> Src<T> value(T value, long afterMillis) {
        return new Src<>(Duration.ofMillis(afterMillis), () -> value, null);
    }

    public static <T> Src<T> failure(RuntimeException failure, long afterMillis) {
        return new Src<>(Duration.ofMillis(afterMillis), () -> {
            throw failure;
        }, null);
    }

    public static <T> Src<T> of(Op<T> op) {
        return new Src<>(null, null, op);
    }

    public boolean isOp() {
        return op != null;
    }
}
