package dev.weft.conformance;

import dev.weft.core.Op;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * What a test server's handler does with one request, described once; each style's driver writes it
 * in its own idiom (a callback, a stage, blocking-style coroutine code), the way
 * {@link Src} describes the children of the combinator tests.
 */
public sealed interface Handling {

    /** Reply with {@code reply} right away. */
    record Reply(ByteBuf reply) implements Handling {}

    /** Reply with what {@code reply} makes, after {@code after} (the style's own timer). */
    record ReplyLater(Duration after, Supplier<ByteBuf> reply) implements Handling {}

    /** Throw {@code failure} from the handler itself. */
    record Throw(RuntimeException failure) implements Handling {}

    /** Fail with {@code failure} after {@code after}, through the style's completion. */
    record FailLater(Duration after, RuntimeException failure) implements Handling {}

    /** Reply with what {@code task} returns, run on the worker pool (the style's offload). */
    record Offload(Callable<ByteBuf> task) implements Handling {}

    /** Reply with the value of {@code op} when it completes (fail with its failure). */
    record Await(Op<ByteBuf> op) implements Handling {}

    /** The handler of a test server: called with each request, in the handler, on its thread. */
    @FunctionalInterface
    interface Plan {
        Handling handle(ByteBuf request);
    }
}
