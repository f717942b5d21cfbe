package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Core's scope, below the facades: what the conformance suite cannot see from a style (the scope
 * completes only after a cancelled child has ended; children added off the loop; refusal once ended).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScopeTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(1).workers(1, 4).build();
    private final Loop loop = rt.loop(0);

    @AfterEach
    void close() {
        rt.close();
    }

    private record Got<T>(T value, Throwable failure) {}

    private static <T> OpListener<T> into(CompletableFuture<Got<T>> f) {
        return (v, e) -> f.complete(new Got<>(v, e));
    }

    private static <T> Got<T> get(CompletableFuture<Got<T>> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aCancelledScopeCompletesOnlyAfterAChildThatIgnoresTheCancelHasEnded() throws Exception {
        CompletableFuture<Got<String>> outcome = new CompletableFuture<>();
        Scope<String> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, null, into(outcome));
        // a child whose handle does not end it: it ends when the test says so
        Scope.Child<String> stubborn = scope.child(null);
        CompletableFuture<Void> cancelSeen = new CompletableFuture<>();
        stubborn.bind(() -> cancelSeen.complete(null));
        scope.body().onComplete("body", null);
        assertTrue(scope.cancel());
        assertFalse(scope.cancel(), "a second cancel asks nothing");
        cancelSeen.get(20, TimeUnit.SECONDS);
        rtFlush();
        assertFalse(outcome.isDone(), "the scope completed before its child ended");
        assertFalse(scope.isDone());
        stubborn.onComplete(null, new CancellationException());
        Got<String> g = get(outcome);
        assertInstanceOf(CancellationException.class, g.failure());
        assertTrue(scope.isCancelled());
    }

    @Test
    void childrenAddedOffTheLoopAreOwnedAndAwaited() throws Exception {
        CompletableFuture<Got<Integer>> outcome = new CompletableFuture<>();
        Scope<Integer> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, null, into(outcome));
        Promise<Integer> p = loop.promise(null);
        CompletableFuture<Got<Integer>> child = new CompletableFuture<>();
        scope.fork(l -> {
            p.onComplete(l);
            return p;
        }, into(child));
        scope.body().onComplete(1, null);
        rtFlush();
        assertFalse(outcome.isDone());
        p.succeed(2);
        assertEquals(1, get(outcome).value());
        assertEquals(2, get(child).value());
    }

    @Test
    void aScopeThatHasEndedRefusesNewChildren() throws Exception {
        CompletableFuture<Got<String>> outcome = new CompletableFuture<>();
        Scope<String> scope = Scope.open(loop, Scope.Policy.SUPERVISOR, null, into(outcome));
        scope.body().onComplete("x", null);
        assertEquals("x", get(outcome).value());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> scope.child(null));
        assertTrue(e.getMessage().contains("has ended"), e.getMessage());
        assertThrows(IllegalStateException.class, scope::body);
    }

    @Test
    void aStartThatThrowsAddsNothingAndThrows() throws Exception {
        CompletableFuture<Got<String>> outcome = new CompletableFuture<>();
        Scope<String> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, null, into(outcome));
        IllegalArgumentException bad = new IllegalArgumentException("bad");
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> scope.fork(l -> {
            throw bad;
        }, null)));
        scope.body().onComplete("ok", null);
        assertEquals("ok", get(outcome).value());
    }

    @Test
    void theBodysValueIsDisposedOfWhenTheScopeFails() throws Exception {
        CompletableFuture<Got<ByteBuf>> outcome = new CompletableFuture<>();
        Scope<ByteBuf> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, null, into(outcome));
        RuntimeException boom = new RuntimeException("boom");
        scope.fork(l -> loop.submit(() -> {
            throw boom;
        }, l), null);
        ByteBuf buf = Unpooled.buffer(4);
        scope.body().onComplete(buf, null);
        assertSame(boom, get(outcome).failure());
        assertEquals(0, buf.refCnt(), "the body's value nobody received was not released");
    }

    @Test
    void aDeadlineIsOneLoopTimerAndFailsWithOperationTimeout() throws Exception {
        CompletableFuture<Got<String>> outcome = new CompletableFuture<>();
        Scope<String> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, Duration.ofMillis(20), into(outcome));
        CompletableFuture<Got<Void>> child = new CompletableFuture<>();
        scope.fork(l -> loop.delay(Duration.ofDays(1), l), into(child));
        scope.body().onComplete("late", null);
        Got<String> g = get(outcome);
        assertInstanceOf(OperationTimeoutException.class, g.failure());
        assertTrue(child.isDone(), "the scope completed before its child ended");
        assertInstanceOf(CancellationException.class, get(child).failure());
    }

    @Test
    void closeEndsAnOpenScope() throws Exception {
        CompletableFuture<Got<String>> outcome = new CompletableFuture<>();
        Scope<String> scope = Scope.open(loop, Scope.Policy.FAIL_FAST, null, into(outcome));
        Promise<String> p = loop.promise(null);
        scope.fork(l -> {
            p.onComplete(l);
            return p;
        }, null);
        rt.close();
        assertInstanceOf(RuntimeClosedException.class, get(outcome).failure());
        assertTrue(p.isDone());
    }

    private void rtFlush() throws Exception {
        for (int i = 0; i < 3; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            loop.execute(() -> done.complete(null));
            done.get(20, TimeUnit.SECONDS);
        }
    }
}
