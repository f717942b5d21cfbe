package dev.weft.coroutines;

import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code co.withTimeout} in a coroutine runs its body in the calling coroutine under one loop timer
 * (kotlinx's withTimeout): no other coroutine, no thread; expiry cancels the current suspension and
 * every later one with {@link OperationTimeoutException}. Both schedulers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WithTimeoutTest {
    private static final long WAIT = 20;

    private static Coroutines coroutines(WeftRuntime rt, CoroutineScheduler scheduler) {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        return Coroutines.of(rt, scheduler);
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void theBodyRunsInTheCallingCoroutineAndStartsNoOther(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            Coroutine<Boolean> c = co.launch(() -> {
                Thread caller = Thread.currentThread();
                Coroutine<?> self = Coroutines.current();
                return co.withTimeout(Duration.ofHours(1), () -> {
                    co.delay(Duration.ofMillis(1));
                    return Thread.currentThread() == caller && Coroutines.current() == self;
                });
            });
            assertTrue(co.await(c), "the body ran in another coroutine");
            assertEquals(1, co.stats().started(), "withTimeout started a coroutine");
            Waits.flushLoops(rt);
            assertEquals(0, Waits.scheduledTimers(rt.loop(0)), "the deadline's timer outlived the body");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void expiryCancelsTheCurrentSuspensionAndEveryLaterOneUntilTheBodyEnds(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            Promise<String> never = rt.loop(0).promise(null);
            AtomicInteger submitted = new AtomicInteger();
            List<Throwable> insideBody = new ArrayList<>();
            Coroutine<String> c = co.launch(() -> {
                try {
                    co.withTimeout(Duration.ofMillis(30), () -> {
                        try {
                            co.await(never);
                        } catch (OperationTimeoutException e) {
                            insideBody.add(e);
                        }
                        try {
                            co.submit(submitted::incrementAndGet); // later: refused before it starts
                        } catch (OperationTimeoutException e) {
                            insideBody.add(e);
                        }
                        return "caught and returned";
                    });
                    return "no timeout";
                } catch (OperationTimeoutException e) {
                    assertEquals(Duration.ofMillis(30), e.timeout());
                    return co.submit(() -> "after the deadline, calls work again");
                }
            });
            assertEquals("after the deadline, calls work again", co.await(c));
            assertEquals(2, insideBody.size(), "the suspending calls under an expired deadline did not throw");
            assertTrue(never.isCancelled(), "expiry did not cancel the suspension's operation");
            assertEquals(0, submitted.get(), "a call past the deadline started its operation");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void anOuterDeadlineGoesThroughAnInnerWithTimeout(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            AtomicBoolean innerCaught = new AtomicBoolean();
            Coroutine<Duration> c = co.launch(() -> {
                try {
                    co.withTimeout(Duration.ofMillis(30), () -> {
                        try {
                            return co.withTimeout(Duration.ofHours(1), () -> co.await(rt.loop(0).<String>promise(null)));
                        } catch (OperationTimeoutException e) {
                            innerCaught.set(true);
                            throw e;
                        }
                    });
                    return Duration.ZERO;
                } catch (OperationTimeoutException e) {
                    return e.timeout();
                }
            });
            assertEquals(Duration.ofMillis(30), co.await(c), "the outer deadline was not the one reported");
            assertTrue(innerCaught.get());
            Waits.flushLoops(rt);
            assertEquals(0, Waits.scheduledTimers(rt.loop(0)), "a deadline's timer outlived its body");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aBodyAsleepOutsideWeftIsInterruptedAndTheInterruptDoesNotOutliveTheTimeout(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            AtomicBoolean sleptOn = new AtomicBoolean();
            Coroutine<Boolean> c = co.launch(() -> {
                try {
                    co.withTimeout(Duration.ofMillis(30), () -> {
                        try {
                            Thread.sleep(60_000);
                            sleptOn.set(true);
                        } catch (InterruptedException expected) {
                            // the deadline woke it
                        }
                        return null;
                    });
                    return false;
                } catch (OperationTimeoutException e) {
                    return Thread.currentThread().isInterrupted();
                }
            });
            assertFalse(co.await(c), "the deadline's interrupt outlived the timeout");
            assertFalse(sleptOn.get(), "the timed-out body slept on");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aValueTheBodyReturnsAfterCatchingTheTimeoutIsReleased(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            ByteBuf value = Unpooled.buffer(4).writeInt(1);
            Coroutine<ByteBuf> c = co.launch(() -> co.withTimeout(Duration.ofMillis(30), () -> {
                try {
                    co.await(rt.loop(0).<String>promise(null));
                } catch (OperationTimeoutException swallowed) {
                    // returns anyway
                }
                return value;
            }));
            assertInstanceOf(OperationTimeoutException.class, assertThrows(OperationTimeoutException.class, () -> co.await(c)));
            assertEquals(0, value.refCnt(), "the value nobody receives was not released");
        }
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void aZeroTimeoutThrowsAtOnceWithoutRunningTheBody(CoroutineScheduler scheduler) {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = coroutines(rt, scheduler);
            AtomicBoolean ran = new AtomicBoolean();
            Coroutine<Object> c = co.launch(() -> co.withTimeout(Duration.ZERO, () -> ran.getAndSet(true)));
            assertThrows(OperationTimeoutException.class, () -> co.await(c));
            assertFalse(ran.get());
            awaitTrue(() -> co.liveCoroutines() == 0, "the coroutine is still running");
        }
    }
}
