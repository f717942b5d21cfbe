package dev.weft.coroutines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.CoroutineScheduler;
import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.LoopStats;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WeftContext;
import dev.weft.core.WeftRuntime;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code co.tick(task)} in a coroutine carried by its loop waits yielded, with the tick's run-queue
 * entry resuming it (LoopTicks): what the body and the task see is what the parked wait gave. The
 * window these tests hold open (the coroutine has yielded, the tick has not run yet) is made
 * deterministic by a loop task the coroutine queues before its tick, which holds the loop.
 */
class TickOnLoopTest {
    private static final long WAIT = 20;

    @BeforeEach
    void loopAffine() {
        assumeTrue(Coroutines.loopAffineAvailable(), "needs --add-opens (this is the fallback JVM)");
    }

    /** What the body saw: the tick's failure (or null), and whether its thread was left interrupted. */
    private record Seen(Throwable failure, boolean interrupted) {}

    /**
     * Launches a coroutine that holds its loop with a task and then ticks {@code ran::incrementAndGet};
     * once the loop is held (the coroutine is waiting for its tick), {@code meanwhile} gets the
     * coroutine, then the loop is released.
     */
    private static Seen tickWhileHeld(WeftRuntime rt, Coroutines co, AtomicInteger ran, Consumer<Coroutine<?>> meanwhile)
            throws Exception {
        Loop loop = rt.loop(0);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Seen> seen = new CompletableFuture<>();
        Coroutine<Void> c = co.launch(loop, () -> {
            loop.execute(() -> { // runs once the coroutine has given up the loop for its tick
                held.countDown();
                try {
                    release.await(WAIT, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Throwable failure = null;
            try {
                co.tick(ran::incrementAndGet);
            } catch (Throwable t) {
                failure = t;
            }
            seen.complete(new Seen(failure, Thread.interrupted()));
            return null;
        });
        try {
            assertTrue(held.await(WAIT, TimeUnit.SECONDS), "the loop was not held");
            assertTrue(c.isSuspended(), "the coroutine does not wait for its tick");
            meanwhile.accept(c);
        } finally {
            release.countDown();
        }
        return seen.get(WAIT, TimeUnit.SECONDS);
    }

    @Test
    void aCoroutineCancelledWhileItWaitsForItsTickThrowsAndTheTaskNeverRuns() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            AtomicInteger ran = new AtomicInteger();
            LoopStats before = rt.loop(0).stats();
            Seen seen = tickWhileHeld(rt, co, ran, c -> assertTrue(c.cancel()));
            assertInstanceOf(CancellationException.class, seen.failure());
            assertFalse(seen.interrupted(), "the cancellation left the coroutine's thread interrupted");
            Waits.flushLoops(rt);
            assertEquals(0, ran.get(), "a tick whose coroutine was cancelled before it ran, ran anyway");
            assertTrue(rt.loop(0).stats().cancelled() > before.cancelled(), "the tick's cancellation was not counted");
        }
    }

    @Test
    void aCoroutineInterruptedWhileItWaitsForItsTickGetsItsCancellationAndTheTaskNeverRuns() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            AtomicInteger ran = new AtomicInteger();
            Seen seen = tickWhileHeld(rt, co, ran, c -> c.thread().interrupt());
            assertInstanceOf(CancellationException.class, seen.failure());
            assertFalse(seen.interrupted(), "the interrupt that cancelled the tick is still set");
            Waits.flushLoops(rt);
            assertEquals(0, ran.get(), "a tick whose waiting thread was interrupted before it ran, ran anyway");
        }
    }

    @Test
    void aCoroutineWaitingForItsTickWhenTheRuntimeClosesGetsRuntimeClosedAndTheTaskNeverRuns() throws Exception {
        WeftRuntime rt = WeftRuntime.builder().loops(1).build();
        Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
        AtomicInteger ran = new AtomicInteger();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Seen seen = tickWhileHeld(rt, co, ran, c -> {
            Thread.ofPlatform().start(() -> {
                rt.close();
                closed.complete(null);
            });
            Waits.awaitTrue(rt::isClosed, "close() did not begin");
        });
        closed.get(WAIT, TimeUnit.SECONDS);
        assertInstanceOf(RuntimeClosedException.class, seen.failure());
        assertEquals(0, ran.get(), "a tick ran after close() began");
    }

    @Test
    void theTaskRunsOnTheLoopThreadOutsideTheCoroutineWithTheCallsContext() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            Loop loop = rt.loop(0);
            WeftContext.Key<String> who = WeftContext.key("who");
            LoopStats before = loop.stats();
            CompletableFuture<Object[]> inTask = new CompletableFuture<>();
            Coroutine<Integer> c = co.launch(loop, () -> WeftContext.empty().with(who, "the caller").call(() ->
                    co.tick(() -> {
                        Throwable refused = null;
                        try {
                            co.submit(() -> 1); // a suspending call on a loop thread outside a coroutine
                        } catch (Throwable t) {
                            refused = t;
                        }
                        inTask.complete(new Object[] {Thread.currentThread(), Coroutines.current(),
                            WeftContext.current().get(who), refused});
                        return 7;
                    })));
            assertEquals(7, Waits.await(c));
            Object[] saw = inTask.get(WAIT, TimeUnit.SECONDS);
            assertSame(loop.thread(), saw[0], "the tick's task ran off the loop thread");
            assertNull(saw[1], "the tick's task ran inside the coroutine");
            assertEquals("the caller", saw[2], "the tick's task did not see the context of the call");
            assertInstanceOf(IllegalBlockingCallException.class, saw[3]);
            assertTrue(loop.stats().succeeded() > before.succeeded(), "the tick's success was not counted");
        }
    }

    /**
     * Inside {@code synchronized} (where a JDK may refuse the yield: then the coroutine queues its tick
     * itself and parks), the tick still runs and resumes the coroutine, and the loop runs others meanwhile.
     */
    @Test
    void aTickInsideAMonitorStillRunsAndTheLoopGoesOn() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            Loop loop = rt.loop(0);
            Object lock = new Object();
            CountDownLatch othersRan = new CountDownLatch(1);
            Coroutine<Integer> inMonitor = co.launch(loop, () -> {
                synchronized (lock) {
                    Coroutine<Integer> other = co.launch(loop, () -> {
                        int v = co.tick(() -> 1);
                        othersRan.countDown();
                        return v;
                    });
                    int mine = co.tick(() -> 10);
                    return mine + co.await(other);
                }
            });
            assertEquals(11, Waits.await(inMonitor));
            assertTrue(othersRan.await(WAIT, TimeUnit.SECONDS));
        }
    }

    @Test
    void aCoroutineWaitingForItsTickHasYieldedItsLoopNotParked() throws Exception {
        // The fast path's mark: the parked wait shows WAITING; a yielded thread shows RUNNABLE. A guard
        // that the loop-carried tick really takes the one-entry path (all the cases above pass on both).
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            AtomicInteger ran = new AtomicInteger();
            Thread.State[] state = new Thread.State[1];
            Seen seen = tickWhileHeld(rt, co, ran, c -> state[0] = c.thread().getState());
            assertNull(seen.failure());
            assertEquals(Thread.State.RUNNABLE, state[0], "the coroutine parked for its tick instead of yielding");
            assertEquals(1, ran.get());
        }
    }

    /** Set before {@link PinnedTick} is initialised; its initialiser ticks on it (a pinned frame). */
    static volatile Coroutines pinnedVia;

    /** A class initialiser pins its virtual thread: the yield is refused and the tick parks pinned. */
    static final class PinnedTick {
        static final Throwable FAILURE;

        static {
            Thread.currentThread().interrupt();
            Throwable failure = null;
            try {
                pinnedVia.tick(() -> 1);
            } catch (Throwable t) {
                failure = t;
            }
            FAILURE = failure;
        }
    }

    @Test
    void anInterruptedTickThatCannotYieldIsCancelledInsteadOfSpinningTheLoop() throws Exception {
        // Pinned (a class initialiser), the tick parks on the loop thread itself, so only its own
        // cancellation can end the wait: an interrupt must cancel it, as the parked wait's does.
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Coroutines co = Coroutines.of(rt, CoroutineScheduler.LOOP_AFFINE);
            pinnedVia = co;
            Loop loop = rt.loop(0);
            Coroutine<Throwable> c = co.launch(loop, () -> {
                Throwable f = PinnedTick.FAILURE;
                Thread.interrupted();
                return f;
            });
            assertInstanceOf(CancellationException.class, Waits.await(c), "the pinned tick was not cancelled by its interrupt");
            assertEquals(7, (int) Waits.await(loop.submit(() -> 7, null)), "the loop did not go on");
        } finally {
            pinnedVia = null;
        }
    }
}
