package dev.weft.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The callback facade's combinators: bad input refused before anything starts; late values disposed of. */
class CallbacksBridgeTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(1).build();
    private final Callbacks cb = Callbacks.of(rt);

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void aNullCallbackIsRefusedBeforeAnyStepStarts() {
        AtomicInteger started = new AtomicInteger();
        AsyncStep<Integer> step = c -> {
            started.incrementAndGet();
            return cb.submit(() -> 1, c);
        };
        assertThrows(NullPointerException.class, () -> cb.all(List.of(step, step), null));
        assertThrows(NullPointerException.class, () -> cb.any(List.of(step), null));
        assertThrows(NullPointerException.class, () -> cb.race(List.of(step), null));
        assertThrows(NullPointerException.class, () -> cb.timeout(Duration.ofSeconds(1), step, null));
        assertEquals(0, started.get(), "steps were started for a call that was refused");
    }

    @Test
    void aValueThatReachesATimedOutStepIsReleased() throws Exception {
        AtomicReference<Callback<ByteBuf>> late = new AtomicReference<>();
        CompletableFuture<Throwable> told = new CompletableFuture<>();
        cb.timeout(Duration.ofMillis(1), (Callback<ByteBuf> c) -> {
            late.set(c);
            return null; // a step that cannot be cancelled: its value comes anyway
        }, (v, e) -> told.complete(e));
        assertTrue(told.get(20, TimeUnit.SECONDS) instanceof dev.weft.core.OperationTimeoutException);
        ByteBuf b = Unpooled.buffer(4).writeInt(5);
        late.get().onComplete(b, null);
        // Released by the promise (if the timeout's cancel reached it first) or by the timeout (if the
        // value reached the promise first and went on to the loop): either way, soon, on the loop.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (b.refCnt() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, b.refCnt(), "a value nobody will receive must be released");
    }
}
