package dev.weft.conformance;

import static dev.weft.conformance.Waits.awaitTrue;
import static dev.weft.conformance.Waits.blockLoops;
import static dev.weft.conformance.Waits.flushLoops;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.core.AllFailedException;
import dev.weft.core.IllegalBlockingCallException;
import dev.weft.core.Loop;
import dev.weft.core.OperationTimeoutException;
import dev.weft.core.Promise;
import dev.weft.core.RuntimeClosedException;
import dev.weft.core.WeftRuntime;
import dev.weft.core.WorkerPoolFullException;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behavioural contract every style must meet: "interchangeable" means this suite passes for
 * each of them, unchanged. A behaviour that differs between styles is a bug in a facade, fixed
 * there or in core, never by a special case here.
 *
 * <p>Waits are bounded; no test sleeps to "let things settle": where a test must show that
 * something did not happen, it waits for a later event on the same loop that would come after it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ConformanceSuite {
    private static final long WAIT = Outcome.WAIT_SECONDS;

    protected WeftRuntime rt;
    protected StyleDriver style;
    private final List<WeftRuntime> extra = new ArrayList<>();

    /** This style's driver over {@code runtime}. */
    protected abstract StyleDriver driver(WeftRuntime runtime);

    protected WeftRuntime.Builder runtimeBuilder() {
        return WeftRuntime.builder().loops(1).workers(2, 16);
    }

    @BeforeEach
    void start() {
        rt = runtimeBuilder().build();
        style = driver(rt);
    }

    @AfterEach
    void stop() {
        rt.close();
        for (WeftRuntime r : extra) {
            r.close();
        }
        assertNoThreadsLeft(rt);
    }

    private WeftRuntime newRuntime(Consumer<WeftRuntime.Builder> options) {
        WeftRuntime.Builder b = runtimeBuilder();
        options.accept(b);
        WeftRuntime r = b.build();
        extra.add(r);
        return r;
    }

    private void assertNoThreadsLeft(WeftRuntime r) {
        Waits.assertNoThreadsLeft(r, style.liveThreads());
    }

    // ---------------------------------------------------------------- setup facts

    @Test
    void leakDetectorIsParanoidInTests() {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    // ---------------------------------------------------------------- success

    @Test
    void submitRunsOnTheLoopAndDeliversItsValueOnce() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Outcome<Integer> o = style.submit(() -> {
            ranOn.set(Thread.currentThread());
            return 42;
        });
        assertEquals(42, o.value());
        assertSame(rt.loop(0).thread(), ranOn.get(), "task ran off the loop");
        assertSame(rt.loop(0).thread(), o.deliveredOn(), "completion delivered off the loop");
        flushLoops(rt);
        o.assertDeliveredOnce();
    }

    @Test
    void tickRunsOnTheLoopOnALaterIterationAndDeliversOnce() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Outcome<String> o = style.tick(() -> {
            ranOn.set(Thread.currentThread());
            return "next iteration";
        });
        assertEquals("next iteration", o.value());
        assertSame(rt.loop(0).thread(), ranOn.get());
        assertSame(rt.loop(0).thread(), o.deliveredOn());
        flushLoops(rt);
        o.assertDeliveredOnce();
    }

    @Test
    void cancellingATickBeforeItRunsMeansItNeverRuns() throws Exception {
        CountDownLatch release = blockLoops(rt);
        AtomicInteger ran = new AtomicInteger();
        Outcome<Integer> o = style.tick(ran::incrementAndGet).awaitIssuedOrHeldByBlockedLoop();
        assertTrue(o.cancel());
        release.countDown();
        assertInstanceOf(CancellationException.class, o.failure());
        style.tick(() -> 0).value(); // a later tick on the same loop ran: the cancelled one had its turn
        assertEquals(0, ran.get(), "a tick cancelled before it ran, ran anyway");
    }

    @Test
    void delayCompletesWithNullAfterAtLeastTheDelay() {
        long t0 = System.nanoTime();
        Outcome<Void> o = style.delay(Duration.ofMillis(30));
        o.value();
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30), "fired early");
        assertSame(rt.loop(0).thread(), o.deliveredOn());
        o.assertDeliveredOnce();
    }

    @Test
    void zeroDelayCompletes() {
        assertEquals(null, style.delay(Duration.ZERO).value());
    }

    @Test
    void scheduleRunsTheTaskOnTheLoopAfterTheDelay() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Outcome<String> o = style.schedule(Duration.ofMillis(10), () -> {
            ranOn.set(Thread.currentThread());
            return "later";
        });
        assertEquals("later", o.value());
        assertSame(rt.loop(0).thread(), ranOn.get());
        assertSame(rt.loop(0).thread(), o.deliveredOn());
    }

    @Test
    void offloadRunsOnAWorkerAndCompletesOnTheLoop() {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Outcome<String> o = style.offload(() -> {
            ranOn.set(Thread.currentThread());
            return "blocking result";
        });
        assertEquals("blocking result", o.value());
        assertTrue(ranOn.get().getName().startsWith(rt.name() + "-worker-"), "ran on " + ranOn.get());
        assertSame(rt.loop(0).thread(), o.deliveredOn());
    }

    @Test
    void awaitingAPromiseCompletedFromAnotherThreadDeliversOnTheLoop() throws Exception {
        Promise<String> p = rt.loop(0).promise(null);
        Outcome<String> o = style.await(p);
        Thread t = new Thread(() -> p.succeed("from elsewhere"));
        t.start();
        t.join(TimeUnit.SECONDS.toMillis(WAIT));
        assertEquals("from elsewhere", o.value());
        assertSame(rt.loop(0).thread(), o.deliveredOn());
    }

    @Test
    void awaitingAnAlreadyCompletedPromiseDelivers() {
        Promise<String> p = rt.loop(0).promise(null);
        p.succeed("done before");
        assertEquals("done before", style.await(p).value());
    }

    @Test
    void completionsRunOnTheLoopOfTheirOperation() {
        WeftRuntime two = newRuntime(b -> b.loops(2));
        StyleDriver s = driver(two);
        for (Loop l : two.loops()) {
            Promise<Integer> p = l.promise(null);
            Outcome<Integer> o = s.await(p);
            p.succeed(l.index());
            assertEquals(l.index(), o.value());
            assertSame(l.thread(), o.deliveredOn(), "delivered on another loop");
        }
    }

    // ---------------------------------------------------------------- failure propagation

    @Test
    void aTaskFailureIsDeliveredAsIs() {
        IllegalStateException boom = new IllegalStateException("boom");
        Outcome<Object> o = style.submit(() -> {
            throw boom;
        });
        assertSame(boom, o.failure());
        o.assertDeliveredOnce();
    }

    @Test
    void aCheckedFailureIsDeliveredWithItsType() {
        Outcome<Object> o = style.offload(() -> {
            throw new IOException("disk on fire");
        });
        Throwable f = o.failure();
        assertInstanceOf(IOException.class, f);
        assertEquals("disk on fire", f.getMessage());
    }

    @Test
    void aScheduledTaskFailureIsDelivered() {
        Outcome<Object> o = style.schedule(Duration.ofMillis(1), () -> {
            throw new ArithmeticException("/ by zero");
        });
        assertInstanceOf(ArithmeticException.class, o.failure());
    }

    @Test
    void aPromiseFailureIsDelivered() {
        Promise<String> p = rt.loop(0).promise(null);
        Outcome<String> o = style.await(p);
        IllegalArgumentException why = new IllegalArgumentException("bad peer");
        p.failWith(why);
        assertSame(why, o.failure());
    }

    // ---------------------------------------------------------------- cancellation

    @Test
    void cancellingBeforeTheTaskStartsMeansItNeverRuns() throws Exception {
        CountDownLatch release = blockLoops(rt);
        AtomicInteger ran = new AtomicInteger();
        Outcome<Integer> o = style.submit(() -> ran.incrementAndGet()).awaitIssuedOrHeldByBlockedLoop();
        assertTrue(o.cancel(), "cancel of a pending operation returns true");
        release.countDown();
        assertInstanceOf(CancellationException.class, o.failure());
        flushLoops(rt);
        flushLoops(rt);
        assertEquals(0, ran.get(), "a task cancelled before it started ran anyway");
        o.assertDeliveredOnce();
    }

    @Test
    void cancellingAPendingTimerStopsItForGood() {
        AtomicInteger fired = new AtomicInteger();
        Outcome<Integer> o = style.schedule(Duration.ofMillis(40), fired::incrementAndGet);
        assertTrue(o.cancel());
        assertInstanceOf(CancellationException.class, o.failure());
        // A later timer on the same single loop fires after the cancelled one would have.
        style.delay(Duration.ofMillis(120)).value();
        assertEquals(0, fired.get(), "a cancelled timer fired");
        o.assertDeliveredOnce();
        flushLoops(rt);
        assertEquals(0, rt.loop(0).pendingOperations(), "the cancelled timer is still registered");
    }

    @Test
    void cancellingARunningOffloadInterruptsIt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Outcome<Object> o = style.offload(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(WAIT, TimeUnit.SECONDS);
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
            }
            return null;
        });
        assertTrue(started.await(WAIT, TimeUnit.SECONDS));
        assertTrue(o.cancel());
        assertInstanceOf(CancellationException.class, o.failure());
        assertTrue(interrupted.get(WAIT, TimeUnit.SECONDS), "the offloaded task was not interrupted");
    }

    @Test
    void cancellingAfterCompletionChangesNothing() {
        Outcome<Integer> o = style.submit(() -> 7);
        assertEquals(7, o.value());
        assertFalse(o.cancel(), "cancel after completion must return false");
        flushLoops(rt);
        assertEquals(7, o.value());
        o.assertDeliveredOnce();
    }

    @Test
    void cancellingTwiceDeliversOnce() {
        Promise<Integer> p = rt.loop(0).promise(null);
        Outcome<Integer> o = style.await(p);
        awaitTrue(p::hasListener, "nobody waits for the promise");
        assertTrue(o.cancel());
        o.cancel();
        assertInstanceOf(CancellationException.class, o.failure());
        awaitTrue(p::isCancelled, "the promise under a cancelled wait must be cancelled");
        flushLoops(rt);
        o.assertDeliveredOnce();
    }

    // ---------------------------------------------------------------- timeout

    @Test
    void timeoutPassesAValueThatArrivesInTime() {
        assertEquals("quick", style.timeout(Src.value("quick", 5), Duration.ofSeconds(WAIT)).value());
    }

    @Test
    void timeoutPassesAFailureThatArrivesInTime() {
        IllegalStateException e = new IllegalStateException("early failure");
        assertSame(e, style.timeout(Src.failure(e, 1), Duration.ofSeconds(WAIT)).failure());
    }

    @Test
    void timeoutFailsAndCancelsWhatIsLate() {
        Promise<String> never = rt.loop(0).promise(null);
        Outcome<String> o = style.timeout(Src.of(never), Duration.ofMillis(30));
        Throwable f = o.failure();
        assertInstanceOf(OperationTimeoutException.class, f);
        assertEquals(Duration.ofMillis(30), ((OperationTimeoutException) f).timeout());
        // A coroutine child that had not even started within the 30 ms never waited for the
        // operation, so there is nothing of it to cancel; whatever waits for it must be cancelled.
        if (never.hasListener() || !style.callsRunInCoroutine()) {
            awaitTrue(never::isCancelled, "the late operation was not cancelled");
        }
        o.assertDeliveredOnce();
    }

    @Test
    void cancellingATimeoutCancelsWhatItWaitsFor() {
        Promise<String> never = rt.loop(0).promise(null);
        Outcome<String> o = style.timeout(Src.of(never), Duration.ofSeconds(WAIT));
        awaitTrue(never::hasListener, "nobody waits for the operation");
        assertTrue(o.cancel());
        assertInstanceOf(CancellationException.class, o.failure());
        awaitTrue(never::isCancelled, "cancellation did not travel down to the operation");
    }

    // ---------------------------------------------------------------- all / any / race

    @Test
    void allGivesEveryValueInInputOrder() {
        Outcome<List<Integer>> o = style.all(List.of(Src.value(1, 15), Src.value(2, 1), Src.value(3, 0)));
        assertEquals(List.of(1, 2, 3), o.value());
        o.assertDeliveredOnce();
    }

    @Test
    void allOfNothingIsAnEmptyList() {
        assertEquals(List.of(), style.all(List.<Src<Integer>>of()).value());
    }

    @Test
    void allFailsWithTheFirstFailureAndCancelsTheRest() {
        Promise<Integer> slow = rt.loop(0).promise(null);
        Promise<Integer> failing = rt.loop(0).promise(null);
        IllegalStateException e = new IllegalStateException("one failed");
        Outcome<List<Integer>> o = style.all(List.of(Src.of(slow), Src.of(failing), Src.value(3, 0)));
        awaitTrue(slow::hasListener, "nobody waits for the slow operation"); // a coroutine child runs first
        failing.failWith(e);
        assertSame(e, o.failure());
        awaitTrue(slow::isCancelled, "all() did not cancel the rest after a failure");
    }

    @Test
    void anyGivesTheFirstSuccessAndCancelsTheRest() {
        Promise<Integer> slow = rt.loop(0).promise(null);
        Promise<Integer> winner = rt.loop(0).promise(null);
        Outcome<Integer> o = style.any(List.of(Src.failure(new IllegalStateException("x"), 0), Src.of(slow),
                Src.of(winner)));
        awaitTrue(slow::hasListener, "nobody waits for the slow operation"); // a coroutine child runs first
        winner.succeed(2);
        assertEquals(2, o.value());
        awaitTrue(slow::isCancelled, "any() did not cancel the rest");
    }

    @Test
    void anyFailsWithEveryFailureWhenAllFail() {
        IllegalStateException a = new IllegalStateException("a");
        IllegalArgumentException b = new IllegalArgumentException("b");
        Throwable f = style.any(List.<Src<Integer>>of(Src.failure(a, 5), Src.failure(b, 0))).failure();
        assertInstanceOf(AllFailedException.class, f);
        assertEquals(2, f.getSuppressed().length);
        assertSame(a, Outcome.unwrap(f.getSuppressed()[0]));
        assertSame(b, Outcome.unwrap(f.getSuppressed()[1]));
    }

    @Test
    void anyOfNothingFails() {
        assertInstanceOf(AllFailedException.class, style.any(List.<Src<Integer>>of()).failure());
    }

    @Test
    void raceGivesTheFirstOutcomeEvenAFailure() {
        Promise<Integer> slow = rt.loop(0).promise(null);
        Promise<Integer> fast = rt.loop(0).promise(null);
        IllegalStateException e = new IllegalStateException("fast failure");
        Outcome<Integer> o = style.race(List.of(Src.of(slow), Src.of(fast)));
        awaitTrue(slow::hasListener, "nobody waits for the slow operation"); // a coroutine child runs first
        fast.failWith(e);
        assertSame(e, o.failure());
        awaitTrue(slow::isCancelled, "race() did not cancel the loser");
    }

    @Test
    void raceGivesTheFirstValue() {
        Promise<Integer> first = rt.loop(0).promise(null);
        Promise<Integer> second = rt.loop(0).promise(null);
        Outcome<Integer> o = style.race(List.of(Src.of(second), Src.of(first)));
        awaitTrue(() -> first.hasListener() && second.hasListener(), "nobody waits for the children");
        first.succeed(1);
        assertEquals(1, o.value());
        awaitTrue(second::isCancelled, "race() did not cancel the loser");
    }

    @Test
    void raceOfNothingIsRejected() {
        Throwable t = rejection(() -> style.race(List.<Src<Integer>>of()));
        assertInstanceOf(IllegalArgumentException.class, t);
        assertTrue(t.getMessage().contains("at least one"), t.getMessage());
    }

    @Test
    void cancellingAnAllCancelsEveryChild() {
        Promise<Integer> a = rt.loop(0).promise(null);
        Promise<Integer> b = rt.loop(0).promise(null);
        Outcome<List<Integer>> o = style.all(List.of(Src.of(a), Src.of(b)));
        awaitTrue(() -> a.hasListener() && b.hasListener(), "nobody waits for the children");
        assertTrue(o.cancel());
        assertInstanceOf(CancellationException.class, o.failure());
        awaitTrue(() -> a.isCancelled() && b.isCancelled(), "cancellation did not reach every child");
    }

    // ---------------------------------------------------------------- exactly once under races

    @Test
    void exactlyOnceWhenCompletionAndCancellationRace() throws Exception {
        int rounds = 500;
        CyclicBarrier go = new CyclicBarrier(2);
        List<Outcome<Integer>> outcomes = new ArrayList<>();
        int won = 0;
        for (int i = 0; i < rounds; i++) {
            Promise<Integer> p = rt.loop(0).promise(null);
            Outcome<Integer> o = style.await(p);
            outcomes.add(o);
            final int v = i;
            Thread completer = new Thread(() -> {
                await(go);
                p.succeed(v);
            });
            completer.start();
            await(go);
            o.cancel();
            completer.join(TimeUnit.SECONDS.toMillis(WAIT));
            o.settle();
            if (!p.isCancelled()) {
                won++;
            }
        }
        flushLoops(rt);
        for (int i = 0; i < rounds; i++) {
            Outcome<Integer> o = outcomes.get(i);
            o.assertDeliveredOnce();
        }
        // Both orders must have happened for the test to mean anything; report it rather than assert luck.
        System.out.printf("%s: completion won %d of %d races%n", style.name(), won, rounds);
    }

    @Test
    void exactlyOnceWhenManyThreadsCompleteAndCancelTheSameOperation() throws Exception {
        int rounds = 300;
        int threads = 4;
        for (int i = 0; i < rounds; i++) {
            Promise<Integer> p = rt.loop(0).promise(null);
            Outcome<Integer> o = style.await(p);
            CyclicBarrier go = new CyclicBarrier(threads);
            List<Thread> ts = new ArrayList<>();
            AtomicInteger wins = new AtomicInteger();
            for (int t = 0; t < threads; t++) {
                final int k = t;
                Thread th = new Thread(() -> {
                    await(go);
                    boolean w = switch (k % 3) {
                        case 0 -> p.succeed(k);
                        case 1 -> p.failWith(new IllegalStateException("f" + k));
                        default -> p.cancel();
                    };
                    if (w) {
                        wins.incrementAndGet();
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join(TimeUnit.SECONDS.toMillis(WAIT));
            }
            o.settle();
            assertEquals(1, wins.get(), "exactly one completion must win");
            flushLoops(rt);
            o.assertDeliveredOnce();
        }
        assertTrue(rt.stats().lateCompletions() >= (long) rounds * (threads - 1),
                "losing completions must be counted: " + rt.stats());
    }

    // ---------------------------------------------------------------- waiting on a loop thread

    @Test
    void aWaitingCallOnALoopThreadFailsFastInsteadOfDeadlocking() throws Exception {
        CompletableFuture<Object> result = new CompletableFuture<>();
        rt.loop(0).execute(() -> {
            try {
                result.complete(style.waitHere());
            } catch (Throwable t) {
                result.complete(t);
            }
        });
        Object r = result.get(WAIT, TimeUnit.SECONDS);
        Assumptions.assumeFalse(Boolean.FALSE.equals(r), style.name() + " has no waiting call");
        assertInstanceOf(IllegalBlockingCallException.class, r, "expected a fast failure, got " + r);
        assertTrue(((Throwable) r).getMessage().contains("deadlock"), ((Throwable) r).getMessage());
    }

    // ---------------------------------------------------------------- bad input and closed runtime

    @Test
    void aNegativeDelayIsRejectedNamingTheArgument() {
        Throwable t = rejection(() -> style.delay(Duration.ofMillis(-5)));
        assertInstanceOf(IllegalArgumentException.class, t);
        assertTrue(t.getMessage().startsWith("delay: ") && t.getMessage().contains("expected: >= 0"), t.getMessage());
    }

    @Test
    void aNegativeTimeoutIsRejectedNamingTheArgument() {
        Throwable t = rejection(() -> style.timeout(Src.value(1, 0), Duration.ofMillis(-1)));
        assertInstanceOf(IllegalArgumentException.class, t);
        assertTrue(t.getMessage().startsWith("timeout: "), t.getMessage());
    }

    @Test
    void aNullTaskIsRejectedNamingTheArgument() {
        Throwable t = rejection(() -> style.submit(null));
        assertInstanceOf(NullPointerException.class, t);
        assertTrue(t.getMessage().startsWith("task: "), t.getMessage());
    }

    @Test
    void aClosedRuntimeRefusesNewOperations() {
        WeftRuntime r = newRuntime(b -> {});
        StyleDriver s = driver(r);
        r.close();
        Throwable t = rejection(() -> s.submit(() -> 1));
        assertInstanceOf(RuntimeClosedException.class, t);
        assertTrue(t.getMessage().contains("is closed"), t.getMessage());
    }

    @Test
    void aFullWorkerPoolRejectsWithAClearError() throws Exception {
        WeftRuntime r = newRuntime(b -> b.workers(1, 1));
        StyleDriver s = driver(r);
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Outcome<Integer> busy = s.offload(() -> {
            running.countDown();
            hold.await(WAIT, TimeUnit.SECONDS);
            return 1;
        });
        assertTrue(running.await(WAIT, TimeUnit.SECONDS));
        Outcome<Integer> queued = s.offload(() -> 2);
        awaitTrue(() -> r.queuedOffloads() == 1, "second offload not queued");
        Outcome<Integer> refused = s.offload(() -> 3);
        Throwable f = refused.failure();
        assertInstanceOf(WorkerPoolFullException.class, f);
        assertTrue(f.getMessage().contains("worker pool full"), f.getMessage());
        hold.countDown();
        assertEquals(1, busy.value());
        assertEquals(2, queued.value());
    }

    // ---------------------------------------------------------------- close

    @Test
    void closeFailsThousandsOfPendingOperationsExactlyOnceAndStopsEveryThread() {
        WeftRuntime r = newRuntime(b -> b.loops(2));
        StyleDriver s = driver(r);
        int n = 2000;
        List<Outcome<?>> outcomes = new ArrayList<>();
        for (int i = 0; i < n / 2; i++) {
            outcomes.add(s.delay(Duration.ofHours(1)));
            outcomes.add(s.await(r.loop(i % 2).promise(null)));
        }
        awaitTrue(() -> r.loops().stream().mapToInt(Loop::pendingOperations).sum() >= n,
                "operations not all pending before close");
        r.close();
        for (Outcome<?> o : outcomes) {
            assertInstanceOf(RuntimeClosedException.class, o.failure());
        }
        for (Outcome<?> o : outcomes) {
            o.assertDeliveredOnce();
        }
        for (Loop l : r.loops()) {
            assertFalse(l.thread().isAlive(), "loop thread alive after close");
        }
        assertEquals(0, s.liveThreads(), "coroutines alive after close");
        r.close(); // idempotent
    }

    @Test
    void closeIsIdempotentAndRefusedOnALoopThread() throws Exception {
        CompletableFuture<Throwable> onLoop = new CompletableFuture<>();
        rt.loop(0).execute(() -> {
            try {
                rt.close();
                onLoop.complete(null);
            } catch (Throwable t) {
                onLoop.complete(t);
            }
        });
        assertInstanceOf(IllegalBlockingCallException.class, onLoop.get(WAIT, TimeUnit.SECONDS));
        rt.close();
        rt.close();
        assertTrue(rt.isClosed());
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The error a call is rejected with: thrown by the call itself, or, where the call is made inside
     * a coroutine, the failure of that coroutine (the call threw inside it).
     */
    protected Throwable rejection(Supplier<Outcome<?>> call) {
        Outcome<?> o;
        try {
            o = call.get();
        } catch (Throwable t) {
            return t;
        }
        assertTrue(style.callsRunInCoroutine(), style.name() + ": bad input must be rejected by the call itself");
        return o.failure();
    }

    private static void await(CyclicBarrier b) {
        try {
            b.await(WAIT, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
