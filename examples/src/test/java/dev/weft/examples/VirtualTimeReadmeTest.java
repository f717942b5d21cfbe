package dev.weft.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.callbacks.Callbacks;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.VirtualTime;
import dev.weft.core.WeftRuntime;
import dev.weft.coroutines.Coroutine;
import dev.weft.coroutines.Coroutines;
import dev.weft.futures.Futures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's "Virtual time in tests" examples, as written there. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VirtualTimeReadmeTest {
    private VirtualTime vt;
    private WeftRuntime rt;

    @BeforeEach
    void start() {
        vt = VirtualTime.create();
        rt = WeftRuntime.builder().loops(1).virtualTime(vt).build();
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    @Test
    void callbacks() {
        Callbacks cb = Callbacks.of(rt);
        Promise<String> never = rt.loop().promise(null);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        cb.timeout(Duration.ofSeconds(30), c -> cb.await(never, c), (v, err) -> failure.set(err));
        vt.advanceBy(Duration.ofSeconds(29));
        assertNull(failure.get());
        vt.advanceBy(Duration.ofSeconds(1));   // the timeout fires; the callback has run when this returns
        assertInstanceOf(OperationTimeoutException.class, failure.get());
        assertTrue(never.isCancelled());
    }

    @Test
    void futures() {
        Futures fu = Futures.of(rt);
        CompletableFuture<String> reply = fu.delay(Duration.ofSeconds(10))
                .thenCompose(v -> fu.schedule(Duration.ofSeconds(5), () -> "after 15 s"));
        vt.advanceBy(Duration.ofSeconds(14));
        assertFalse(reply.isDone());
        vt.advanceBy(Duration.ofSeconds(1));   // the second timer, armed by the first, fires in the same call
        assertEquals("after 15 s", reply.getNow(null));
    }

    @Test
    void coroutines() {
        Coroutines co = Coroutines.of(rt);
        AtomicInteger polls = new AtomicInteger();
        Coroutine<Integer> poller = co.launch(() -> {
            while (polls.incrementAndGet() < 10) {
                co.delay(Duration.ofMinutes(1));
            }
            return polls.get();
        });
        vt.advanceBy(Duration.ofMinutes(9));    // nine minutes of polling, in milliseconds
        assertTrue(poller.isDone());
        assertEquals(10, poller.join());
    }
}
