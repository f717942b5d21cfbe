package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The run queue: every task once, per-producer order, and no starvation of timers and I/O. */
class LoopTest {
    private final WeftRuntime rt = WeftRuntime.builder().loops(1).build();
    private final Loop loop = rt.loop(0);

    @AfterEach
    void close() {
        rt.close();
    }

    @Test
    void tasksFromManyThreadsRunOnceEachInPerThreadOrderOnTheLoop() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        long[] lastSeen = new long[producers];
        AtomicLong ran = new AtomicLong();
        AtomicBoolean disorder = new AtomicBoolean();
        AtomicBoolean offLoop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final int id = p;
            Thread t = new Thread(() -> {
                for (int i = 1; i <= perProducer; i++) {
                    final int seq = i;
                    loop.execute(() -> {
                        if (!loop.isLoopThread()) {
                            offLoop.set(true);
                        }
                        if (lastSeen[id] != seq - 1) { // loop-confined array: no sync needed
                            disorder.set(true);
                        }
                        lastSeen[id] = seq;
                        if (ran.incrementAndGet() == (long) producers * perProducer) {
                            done.countDown();
                        }
                    });
                }
            });
            threads.add(t);
            t.start();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "tasks lost: ran " + ran.get());
        for (Thread t : threads) {
            t.join();
        }
        assertFalse(disorder.get(), "a producer's tasks ran out of order");
        assertFalse(offLoop.get(), "a task ran off the loop");
        LoopStats s = loop.stats();
        assertTrue(s.drains() < (long) producers * perProducer, "a burst should cost far fewer drains than tasks: " + s);
    }

    @Test
    void singleSubmissionsToAnIdleLoopEachRunWithinABoundedWait() throws Exception {
        // The lost wake-up (issue 9, defect 2) shows as a task that waits with the loop asleep in its
        // I/O poll. Each round lets the loop go idle, then hands it one task from each of two threads.
        int rounds = 20_000;
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable producer = () -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    go.await(20, TimeUnit.SECONDS);
                    CountDownLatch ran = new CountDownLatch(1);
                    loop.execute(ran::countDown);
                    if (!ran.await(10, TimeUnit.SECONDS)) {
                        throw new AssertionError("round " + i + ": a task handed to an idle loop did not run within 10 s");
                    }
                }
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
                go.reset();
            }
        };
        Thread a = new Thread(producer);
        Thread b = new Thread(producer);
        a.start();
        b.start();
        a.join(TimeUnit.MINUTES.toMillis(2));
        b.join(TimeUnit.MINUTES.toMillis(2));
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        assertFalse(a.isAlive() || b.isAlive(), "producers did not finish");
    }

    @Test
    void aTaskStormDoesNotStarveTimers() throws Exception {
        // A task that resubmits itself forever; the loop must still fire a timer (the drain yields
        // to Netty after its time budget, and Netty then runs its scheduled tasks and I/O).
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong spins = new AtomicLong();
        Runnable storm = new Runnable() {
            @Override
            public void run() {
                spins.incrementAndGet();
                if (!stop.get()) {
                    loop.execute(this);
                }
            }
        };
        loop.execute(storm);
        CompletableFuture<Void> fired = new CompletableFuture<>();
        loop.delay(Duration.ofMillis(20), (v, e) -> fired.complete(null));
        fired.get(30, TimeUnit.SECONDS);
        stop.set(true);
        assertTrue(spins.get() > 0);
        CompletableFuture<LoopStats> s = new CompletableFuture<>();
        loop.execute(() -> s.complete(loop.stats()));
        assertTrue(s.get(30, TimeUnit.SECONDS).budgetExhaustions() > 0, "the drain never yielded to I/O");
    }

    @Test
    void aTickRunsAfterTheTasksOfTheCurrentIteration() throws Exception {
        List<String> order = new ArrayList<>();
        CompletableFuture<List<String>> done = new CompletableFuture<>();
        loop.execute(() -> {
            loop.tick(() -> order.add("tick"), (v, e) -> done.complete(order));
            // Fewer than 128 tasks in this drain (a fresh loop: this task and the ones it queues):
            // the drain's deadline is set at task 64 and first enforced at task 128, so it is never
            // cut short (a cut drain resumes after the I/O poll, behind the tick: a CPU hog made
            // 1,000 tasks outlast the 1 ms budget).
            for (int i = 0; i < 100; i++) {
                final int n = i;
                loop.execute(() -> {
                    if (n == 99) {
                        order.add("tasks");
                    }
                });
            }
        });
        assertEquals(List.of("tasks", "tick"), done.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aListenerAttachedAfterCompletionIsDeliveredOnceOnTheLoop() throws Exception {
        Promise<String> p = loop.promise(null);
        p.succeed("v");
        CompletableFuture<Thread> on = new CompletableFuture<>();
        AtomicLong calls = new AtomicLong();
        p.onComplete((v, e) -> {
            calls.incrementAndGet();
            on.complete(Thread.currentThread());
        });
        assertEquals(loop.thread(), on.get(10, TimeUnit.SECONDS));
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        loop.execute(() -> flushed.complete(null));
        flushed.get(10, TimeUnit.SECONDS);
        assertEquals(1, calls.get());
        IllegalStateException second = assertThrows(IllegalStateException.class, () -> p.onComplete((v, e) -> {}));
        assertTrue(second.getMessage().contains("exactly one listener"), second.getMessage());
    }

    @Test
    void progressStopsWhileTheLoopIsBlockedAndResumesAfter() throws Exception {
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            blocked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(30, TimeUnit.SECONDS));
        long before = loop.progress();
        Thread other = new Thread(() -> loop.execute(() -> { }));
        other.start();
        other.join();
        assertTrue(loop.hasQueuedWork(), "work submitted to a blocked loop shows as queued");
        assertEquals(before, loop.progress(), "a blocked loop made progress");
        release.countDown();
        // The released pass runs what was queued meanwhile and may run a task submitted right now in the
        // same pass (progress counts passes and I/O waits, not tasks): so a task that ran proves nothing
        // about progress; the pass ending (the next pass, or the I/O wait) moves it, soon after.
        CompletableFuture<Void> ran = new CompletableFuture<>();
        new Thread(() -> loop.execute(() -> ran.complete(null))).start();
        ran.get(30, TimeUnit.SECONDS);
        Waits.awaitTrue(() -> loop.progress() > before,
                "progress did not move after the loop was released");
    }

    @Test
    void closeReturnsEvenWhenALoopIsBlockedAndFailsWhatWasPending() throws Exception {
        WeftRuntime r = WeftRuntime.builder().loops(1).closeTimeout(java.time.Duration.ofMillis(200)).build();
        Loop l = r.loop(0);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Promise<String> pending = l.promise(null);
        l.execute(() -> {
            blocked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(30, TimeUnit.SECONDS));
        Thread closer = new Thread(r::close);
        closer.start();
        closer.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(closer.isAlive(), "close() hung on a blocked loop");
        assertTrue(r.isClosed());
        release.countDown();
        l.thread().join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(l.thread().isAlive(), "the loop did not stop once unblocked");
        // Nothing is dropped even though close() gave up waiting: once unblocked, the loop ran the
        // promise's queued registration, which found the runtime closed and failed it.
        assertTrue(pending.isDone(), "a pending promise survived close()");
        assertTrue(pending.failureNow() instanceof RuntimeClosedException, String.valueOf(pending.failureNow()));
    }

    @Test
    void builderRejectsBadArgumentsNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeftRuntime.builder().loops(0));
        assertEquals("loops: 0 (expected: > 0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WeftRuntime.builder().workers(2, -1));
        assertEquals("queueCapacity: -1 (expected: > 0)", e.getMessage());
    }

    @Test
    void aLateCompletionIsIgnoredAndCounted() {
        Promise<Integer> p = loop.promise(null);
        assertTrue(p.succeed(1));
        assertFalse(p.succeed(2));
        assertFalse(p.failWith(new IllegalStateException()));
        assertFalse(p.cancel());
        assertEquals(1, p.valueNow());
        assertEquals(3, loop.stats().lateCompletions());
    }
}
