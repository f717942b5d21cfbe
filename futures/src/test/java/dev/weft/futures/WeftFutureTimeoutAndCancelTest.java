package dev.weft.futures;

import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Outcome;
import dev.weft.conformance.Waits;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Futures only: {@link WeftFuture#orTimeout} and {@link WeftFuture#completeOnTimeout} use the loop's
 * timer, complete on the loop and cancel the operation; cancelling a dependent stage cancels the
 * operation it depends on when nothing else depends on it (the counting rule of WeftFuture's javadoc).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WeftFutureTimeoutAndCancelTest {
    private static final long WAIT = Outcome.WAIT_SECONDS;

    private WeftRuntime rt;
    private Futures fu;

    @BeforeEach
    void start() {
        rt = WeftRuntime.builder().loops(1).build();
        fu = Futures.of(rt);
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    // ---------------------------------------------------------------- orTimeout / completeOnTimeout

    @Test
    void orTimeoutFiresOnTheLoopRunsDependentsThereAndCancelsTheOperation() throws Exception {
        Promise<String> never = rt.loop(0).promise(null);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        CompletableFuture<String> f = fu.from(never).orTimeout(30, TimeUnit.MILLISECONDS);
        f.whenComplete((v, e) -> {
            ranOn.set(Thread.currentThread());
            seen.complete(e);
        });
        Throwable e = seen.get(WAIT, TimeUnit.SECONDS);
        assertInstanceOf(TimeoutException.class, e);
        assertTrue(e.getMessage().contains("30 ms"), e.getMessage());
        assertSame(rt.loop(0).thread(), ranOn.get(), "orTimeout completed the future off the loop");
        awaitTrue(never::isCancelled, "orTimeout did not cancel the operation");
    }

    @Test
    void orTimeoutStopsItsTimerWhenTheFutureCompletesFirst() throws Exception {
        Promise<String> p = rt.loop(0).promise(null);
        CompletableFuture<String> f = fu.from(p).orTimeout(1, TimeUnit.HOURS);
        assertEquals(1, Waits.scheduledTimers(rt.loop(0)), "orTimeout armed no timer on the loop");
        p.succeed("first");
        assertEquals("first", f.get(WAIT, TimeUnit.SECONDS));
        Waits.flushLoops(rt);
        assertEquals(0, Waits.scheduledTimers(rt.loop(0)), "the orTimeout timer outlived its future");
    }

    @Test
    void completeOnTimeoutDeliversTheDefaultOnTheLoopCancelsTheOperationAndReleasesItsLateValue() throws Exception {
        Promise<ByteBuf> slow = rt.loop(0).promise(null);
        ByteBuf fallback = Unpooled.EMPTY_BUFFER;
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletableFuture<ByteBuf> f = fu.from(slow).completeOnTimeout(fallback, 30, TimeUnit.MILLISECONDS);
        CompletableFuture<ByteBuf> dependent = f.thenApply(b -> {
            ranOn.set(Thread.currentThread());
            return b;
        });
        assertSame(fallback, dependent.get(WAIT, TimeUnit.SECONDS));
        assertSame(rt.loop(0).thread(), ranOn.get(), "completeOnTimeout completed the future off the loop");
        awaitTrue(slow::isCancelled, "completeOnTimeout did not cancel the operation");
        ByteBuf late = Unpooled.buffer(4).writeInt(1);
        slow.succeed(late);
        Waits.flushLoops(rt);
        assertEquals(0, late.refCnt(), "the value that arrived after completeOnTimeout was not released");
    }

    @Test
    void aNegativeTimeoutIsRejectedNamingIt() {
        WeftFuture<String> f = fu.from(rt.loop(0).<String>promise(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.orTimeout(-5, TimeUnit.MILLISECONDS));
        assertEquals("timeout: -5 MILLISECONDS (expected: >= 0)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> f.completeOnTimeout("x", -1, TimeUnit.SECONDS));
    }

    // ---------------------------------------------------------------- cancelling a dependent stage

    @Test
    void cancellingTheOnlyDependentCancelsTheOperationAndReleasesItsLateReply() {
        Promise<ByteBuf> reply = rt.loop(0).promise(null);
        WeftFuture<ByteBuf> f = fu.from(reply);
        CompletableFuture<Integer> d = f.thenApply(ByteBuf::readableBytes);
        assertTrue(d.cancel(true));
        awaitTrue(reply::isCancelled, "cancelling the only dependent did not cancel the operation");
        assertTrue(f.isCancelled());
        ByteBuf late = Unpooled.buffer(4).writeInt(1);
        reply.succeed(late);
        Waits.flushLoops(rt);
        assertEquals(0, late.refCnt(), "the reply nobody will receive was not released");
    }

    @Test
    void cancellationTravelsUpAChainOfDependents() {
        Promise<String> p = rt.loop(0).promise(null);
        CompletableFuture<Integer> last = fu.from(p).thenApply(String::length).thenApply(n -> n + 1).thenApplyAsync(n -> n * 2);
        assertTrue(last.cancel(true));
        awaitTrue(p::isCancelled, "cancelling the end of a chain did not reach the operation");
    }

    @Test
    void anotherPendingDependentKeepsTheOperationUntilItIsCancelledToo() {
        Promise<String> p = rt.loop(0).promise(null);
        WeftFuture<String> f = fu.from(p);
        CompletableFuture<Integer> a = f.thenApply(String::length);
        CompletableFuture<Void> b = f.thenAccept(s -> {});
        assertTrue(a.cancel(true));
        Waits.flushLoops(rt);
        assertFalse(p.isDone(), "cancelling one of two dependents cancelled the operation the other waits for");
        assertTrue(b.cancel(true));
        awaitTrue(p::isCancelled, "cancelling the last dependent did not cancel the operation");
    }

    @Test
    void aCombinatorDependsOnItsStages() {
        Promise<String> p = rt.loop(0).promise(null);
        WeftFuture<String> f = fu.from(p);
        WeftFuture<List<String>> all = fu.all(List.of(f));
        assertTrue(f.thenApply(String::length).cancel(true));
        Waits.flushLoops(rt);
        assertFalse(p.isDone(), "a dependent's cancel cancelled a stage a combinator still waits for");
        p.succeed("kept");
        assertEquals(List.of("kept"), all.join());
    }

    @Test
    void aThreadWaitingInJoinDependsOnTheStage() throws Exception {
        Promise<String> p = rt.loop(0).promise(null);
        WeftFuture<String> f = fu.from(p);
        CompletableFuture<Integer> d = f.thenApply(String::length);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<String> joined = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            waiting.countDown();
            try {
                joined.complete(f.join());
            } catch (Throwable e) {
                joined.completeExceptionally(e);
            }
        });
        t.start();
        assertTrue(waiting.await(WAIT, TimeUnit.SECONDS));
        awaitTrue(() -> t.getState() == Thread.State.WAITING, "the joiner never blocked");
        assertTrue(d.cancel(true));
        Waits.flushLoops(rt);
        assertFalse(p.isDone(), "a dependent's cancel cancelled a stage a thread waits for in join()");
        p.succeed("joined");
        assertEquals("joined", joined.get(WAIT, TimeUnit.SECONDS));
    }

    @Test
    void orTimeoutOnADependentAbandonsTheOperation() {
        Promise<String> p = rt.loop(0).promise(null);
        CompletableFuture<Integer> d = fu.from(p).thenApply(String::length).orTimeout(30, TimeUnit.MILLISECONDS);
        CompletionException e = assertThrows(CompletionException.class, d::join);
        assertInstanceOf(TimeoutException.class, e.getCause());
        awaitTrue(p::isCancelled, "a dependent's timeout did not cancel the operation it waited for");
    }

    @Test
    void aDependentThatCompletedNormallyCancelsNothing() throws Exception {
        Promise<String> p = rt.loop(0).promise(null);
        WeftFuture<String> f = fu.from(p);
        p.succeed("done");
        CompletableFuture<Integer> d = f.thenApply(String::length);
        assertEquals(4, d.get(WAIT, TimeUnit.SECONDS));
        assertFalse(d.cancel(true));
        assertEquals("done", f.getNow(null));
    }
}
