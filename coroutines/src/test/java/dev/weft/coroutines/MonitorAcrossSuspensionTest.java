package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.Loop;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import org.junit.jupiter.api.Test;

/**
 * A loop-affine coroutine may hold a monitor across a suspending call: from JDK 24 on, a virtual
 * thread parked inside {@code synchronized} (or blocked entering one) unmounts and frees its
 * carrier, so the loop goes on with its other coroutines. (Before JDK 24 it pinned the loop thread,
 * and the operation it awaited could never complete there.)
 */
class MonitorAcrossSuspensionTest {

    @Test
    void aCoroutineHoldingAMonitorWhileSuspendedDoesNotStopItsLoop() throws Exception {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
        assumeTrue(Runtime.version().feature() >= 24, "monitors pin virtual threads before JDK 24");
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            Loop loop = rt.loop(0);
            Object lock = new Object();
            Promise<Integer> later = loop.promise(null);
            Coroutine<Integer> holder = co.launch(loop, () -> {
                synchronized (lock) {
                    return co.await(later) + 1;
                }
            });
            Waits.awaitTrue(holder::isSuspended, "the holder never suspended");
            // Others on the loop run to their end meanwhile...
            Coroutine<Integer> other = co.launch(loop, () -> co.submit(() -> 1) + co.submit(() -> 2));
            assertEquals(3, co.await(other));
            // ...also while one of them waits to enter the monitor.
            Coroutine<Integer> contender = co.launch(loop, () -> {
                synchronized (lock) {
                    return co.submit(() -> 10);
                }
            });
            Waits.awaitTrue(() -> contender.thread().getState() == Thread.State.BLOCKED, "the contender never blocked");
            Coroutine<Integer> another = co.launch(loop, () -> co.submit(() -> 5));
            assertEquals(5, co.await(another));
            assertFalse(contender.isDone());
            later.succeed(41);
            assertEquals(42, co.await(holder));
            assertEquals(10, co.await(contender));
            Waits.awaitTrue(() -> co.liveCoroutines() == 0, "coroutines still live");
            assertEquals(0, co.stats(loop).resumesOffLoop(), "a coroutine resumed off its loop");
        }
    }
}
