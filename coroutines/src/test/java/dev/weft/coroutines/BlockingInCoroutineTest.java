package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import dev.weft.futures.Futures;
import dev.weft.futures.WeftFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Blocking calls that are not Weft's, made inside a coroutine, park the coroutine like any blocking
 * call of a virtual thread: the loop (the carrier of a loop-affine coroutine) goes on with its other
 * work meanwhile. Only the loop's own platform thread must refuse to block.
 */
class BlockingInCoroutineTest {

    private interface Join {
        Integer join(WeftFuture<Integer> f) throws Exception;
    }

    @ParameterizedTest
    @EnumSource(CoroutineScheduler.class)
    void weftFutureJoinAndGetInsideACoroutinePark(CoroutineScheduler scheduler) throws Exception {
        assumeTrue(scheduler == CoroutineScheduler.DEFAULT || Coroutines.loopAffineAvailable(),
                "needs --add-opens (this is the fallback JVM)");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, scheduler);
            Futures futures = Futures.of(rt);
            Loop loop = rt.loop(0);
            List<Join> joins = List.of(WeftFuture::join, WeftFuture::get, f -> f.get(20, TimeUnit.SECONDS));
            List<Promise<Integer>> promises = new ArrayList<>();
            List<Coroutine<Integer>> blocked = new ArrayList<>();
            for (Join j : joins) {
                Promise<Integer> p = loop.promise(null);
                WeftFuture<Integer> f = futures.from(p);
                promises.add(p);
                blocked.add(co.launch(loop, () -> j.join(f)));
            }
            for (Coroutine<Integer> c : blocked) {
                Waits.awaitTrue(() -> c.isDone() || blocked(c.thread()),
                        "the coroutine neither blocked nor ended");
                assertFalse(c.isDone(), () -> "join/get inside a coroutine ended at once: " + c.failureNow());
            }
            // The loop goes on while they are parked: another coroutine on it runs to its end.
            Coroutine<Integer> other = co.launch(loop, () -> co.submit(() -> 1) + co.submit(() -> 2));
            assertEquals(3, co.await(other));
            for (int i = 0; i < promises.size(); i++) {
                promises.get(i).succeed(40 + i);
            }
            for (int i = 0; i < blocked.size(); i++) {
                assertEquals(40 + i, co.await(blocked.get(i)));
            }
            // On the loop's own thread, blocking stays refused.
            Promise<Integer> never = loop.promise(null);
            WeftFuture<Integer> pending = futures.from(never);
            CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    pending.join();
                    onLoop.complete(null);
                } catch (Throwable t) {
                    onLoop.complete(t);
                }
            });
            assertTrue(onLoop.get(20, TimeUnit.SECONDS) instanceof IllegalBlockingCallException);
            never.cancel();
        }
    }

    private static boolean blocked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }
}
