package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** cancel() never throws, even when what an operation releases on cancel throws: the cancel stands. */
class CancelHookTest {

    @Test
    void aThrowingCancelActionDoesNotEscapeCancelNorStopACombinatorReachingTheOthers() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Loop loop = rt.loop(0);
            Promise<String> throwing = loop.promise(null);
            throwing.whenCancelled(() -> {
                throw new IllegalStateException("a foreign cancel that failed");
            });
            Promise<String> other = loop.promise(null);
            CompletableFuture<Throwable> raced = new CompletableFuture<>();
            Op<String> race = Ops.race(loop, List.of(throwing, other), (v, e) -> raced.complete(e));
            assertTrue(race.cancel(), "cancel() threw or lost");
            assertInstanceOf(CancellationException.class, raced.get(20, TimeUnit.SECONDS));
            assertTrue(throwing.isCancelled());
            assertTrue(other.isCancelled(), "the child after the throwing one was not cancelled");
            assertEquals(1, loop.stats().taskFailures(), "the failing release is counted, from any thread");
        }
    }
}
