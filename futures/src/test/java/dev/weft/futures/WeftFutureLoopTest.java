package dev.weft.futures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.Loop;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link WeftFuture#loop()} of every kind of stage, at every point of its life: a future of an operation
 * finds its loop through the operation, a dependent stage keeps its own (its link to the stage it was
 * made from is dropped when it is abandoned).
 */
class WeftFutureLoopTest {

    @Test
    void everyStageKnowsItsLoopBeforeAndAfterItEnds() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Loop loop = rt.loop(1);
            Futures fu = Futures.of(rt).on(loop);
            Promise<Integer> p = loop.promise(null);
            WeftFuture<Integer> f = fu.from(p);
            assertSame(loop, f.loop(), "a future of an operation");
            WeftFuture<Integer> applied = (WeftFuture<Integer>) f.thenApply(x -> x + 1);
            WeftFuture<Integer> composed = (WeftFuture<Integer>) f.thenCompose(x -> fu.tick(() -> x + 2));
            WeftFuture<Integer> kept = (WeftFuture<Integer>) f.thenApply(x -> x + 3);
            assertSame(loop, applied.loop(), "a dependent stage, pending");
            assertSame(loop, composed.loop(), "a thenCompose stage, pending");
            assertTrue(applied.cancel(true));
            assertTrue(composed.cancel(true));
            assertSame(loop, applied.loop(), "a dependent stage, abandoned (its link dropped)");
            assertSame(loop, composed.loop(), "a thenCompose stage, abandoned (its link dropped)");
            p.succeed(1);
            assertEquals(4, kept.get(10, TimeUnit.SECONDS));
            assertSame(loop, f.loop(), "a future of an operation, done");
            assertSame(loop, kept.loop(), "a dependent stage, done");
            // the ...Async dependents without an executor run on that loop
            CompletableFuture<Boolean> onLoop = kept.thenApplyAsync(x -> loop.isLoopThread());
            assertTrue(onLoop.get(10, TimeUnit.SECONDS), "an async dependent ran off its loop");
        }
    }

    @Test
    void aScopedFutureKnowsItsLoopBeforeItsOperationIsBound() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(2).build()) {
            Loop loop = rt.loop(1);
            Futures fu = Futures.of(rt).on(loop);
            java.util.List<Loop> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            WeftFuture<Integer> result = fu.scope(s -> {
                WeftFuture<Integer> t = s.tick(() -> 5); // a scope's fork binds its operation when it starts it
                seen.add(t.loop());
                return t.thenApply(x -> {
                    seen.add(t.loop());
                    return x;
                });
            });
            assertEquals(5, result.get(10, TimeUnit.SECONDS));
            assertEquals(java.util.List.of(loop, loop), seen, "the loop of a scoped future, before and after its bind");
        }
    }
}
