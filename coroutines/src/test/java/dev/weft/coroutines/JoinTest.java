package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.WeftRuntime;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Coroutine.join(): the way to wait for a coroutine that a reader finds on Coroutine itself. */
class JoinTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(1).build();
    private final Coroutines co = Coroutines.of(rt);

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void joinBlocksOutsideAndSuspendsInsideACoroutine() throws Exception {
        Coroutine<Integer> child = co.launch(() -> {
            co.delay(Duration.ofMillis(5));
            return 7;
        });
        Coroutine<Integer> parent = co.launch(() -> child.join() * 6); // suspends
        assertEquals(42, parent.join()); // blocks this (test) thread
        IllegalStateException boom = new IllegalStateException("boom");
        Coroutine<Void> failing = co.launch(() -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, failing::join));
    }

    @Test
    void joinOnALoopThreadOutsideACoroutineFailsFast() throws Exception {
        Coroutine<Integer> slow = co.launch(() -> {
            co.delay(Duration.ofSeconds(30));
            return 1;
        });
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        rt.loop(0).execute(() -> {
            try {
                slow.join();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        assertEquals(IllegalBlockingCallException.class, seen.get(20, TimeUnit.SECONDS).getClass());
        slow.cancel();
    }
}
