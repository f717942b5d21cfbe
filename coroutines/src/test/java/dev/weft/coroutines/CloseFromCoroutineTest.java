package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.WeftRuntime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A default-scheduler coroutine may close its own runtime: close() does not wait for its caller. */
class CloseFromCoroutineTest {

    @Test
    void closeCalledInADefaultCoroutineDoesNotWaitForItsCaller() throws Exception {
        Duration closeTimeout = Duration.ofSeconds(30);
        WeftRuntime rt = WeftRuntime.builder().loops(1).closeTimeout(closeTimeout).build();
        try {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.DEFAULT);
            CompletableFuture<Long> took = new CompletableFuture<>();
            co.launch(() -> {
                co.submit(() -> 1);
                long t0 = System.nanoTime();
                rt.close();
                took.complete(System.nanoTime() - t0);
                return null;
            });
            long nanos = took.get(60, TimeUnit.SECONDS);
            // A correctness bound, not a speed one: before, close() waited out its whole timeout.
            assertTrue(nanos < closeTimeout.toNanos() / 2,
                    "close() from a coroutine took " + TimeUnit.NANOSECONDS.toMillis(nanos) + " ms: it waited for itself");
            Waits.awaitTrue(() -> co.liveCoroutines() == 0, "the closing coroutine did not end");
            assertEquals(0, co.liveCoroutines());
        } finally {
            rt.close();
        }
    }
}
