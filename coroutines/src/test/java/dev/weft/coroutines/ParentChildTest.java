package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A coroutine launched inside a coroutine is its child (kotlinx semantics); launchDetached is not. */
class ParentChildTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(1).build();

    @AfterEach
    void close() {
        rt.close();
    }

    private static <T> T within(CompletableFuture<T> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void theParentCompletesOnlyAfterItsChild(CoroutineScheduler scheduler) throws Exception {
        Coroutines co = Coroutines.of(rt, scheduler);
        Promise<String> p = rt.loop(0).promise(null);
        CompletableFuture<String> parentDone = new CompletableFuture<>();
        Coroutine<String> parent = co.launch(() -> {
            co.launch(() -> co.await(p));
            return "parent";
        });
        parent.onComplete((v, e) -> parentDone.complete(v));
        assertTrue(awaitListener(p), "the child did not start");
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        co.launchDetached(() -> co.submit(() -> flushed.complete(null))); // a later turn of the same loop
        within(flushed);
        assertFalse(parentDone.isDone(), "the parent completed while its child ran");
        p.succeed("child");
        assertEquals("parent", within(parentDone));
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void cancellingTheParentCancelsItsChildButNotADetachedOne(CoroutineScheduler scheduler) throws Exception {
        Coroutines co = Coroutines.of(rt, scheduler);
        Promise<String> childWaits = rt.loop(0).promise(null);
        Promise<String> detachedWaits = rt.loop(0).promise(null);
        Promise<String> parentWaits = rt.loop(0).promise(null);
        AtomicReference<Coroutine<String>> detached = new AtomicReference<>();
        Coroutine<String> parent = co.launch(() -> {
            co.launch(() -> co.await(childWaits));
            detached.set(co.launchDetached(() -> co.await(detachedWaits)));
            return co.await(parentWaits);
        });
        assertTrue(awaitListener(childWaits) && awaitListener(detachedWaits) && awaitListener(parentWaits));
        assertTrue(parent.cancel());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!childWaits.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(childWaits.isCancelled(), "cancelling the parent did not reach its child");
        assertFalse(detachedWaits.isDone(), "cancelling the parent reached a detached coroutine");
        detachedWaits.succeed("free");
        CompletableFuture<String> d = new CompletableFuture<>();
        detached.get().onComplete((v, e) -> d.complete(v));
        assertEquals("free", within(d));
        assertInstanceOf(CancellationException.class, parent.failureNow());
    }

    private static boolean awaitListener(Promise<?> p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!p.hasListener()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
