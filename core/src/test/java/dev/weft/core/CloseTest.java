package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** close() keeps its promise whatever the caller's interrupt state, and loop code never runs beside the loop. */
class CloseTest {

    /** Every thread whose name starts with the runtime's name and is still alive. */
    private static List<Thread> threadsOf(WeftRuntime rt) {
        List<Thread> alive = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(rt.name() + "-") && t.isAlive()) {
                alive.add(t);
            }
        }
        return alive;
    }

    @Test
    void closeFromAnInterruptedThreadStillStopsEveryThreadAndKeepsTheFlag() throws Exception {
        // Issue 9: with the flag set, joins and timed waits returned at once; close() left loop and
        // worker threads alive in 41 of 200 runs. Busy loops and a used worker pool make it likely.
        for (int i = 0; i < 40; i++) {
            WeftRuntime rt = WeftRuntime.builder().loops(2).workers(2, 16).build();
            CountDownLatch offloaded = new CountDownLatch(4);
            for (int k = 0; k < 4; k++) {
                rt.loop().offload(() -> {
                    offloaded.countDown();
                    return null;
                }, (v, e) -> {});
            }
            for (int k = 0; k < 1000; k++) {
                rt.loop().submit(() -> 1, (v, e) -> {});
            }
            assertTrue(offloaded.await(20, TimeUnit.SECONDS));
            List<Thread> mine = threadsOf(rt); // loops and workers, looked up before: checked right after close()
            Thread.currentThread().interrupt();
            rt.close();
            List<Thread> alive = new ArrayList<>();
            for (Thread t : mine) {
                if (t.isAlive()) {
                    alive.add(t);
                }
            }
            assertTrue(Thread.interrupted(), "close() must leave the caller's interrupt flag set");
            assertEquals(List.of(), alive, "threads alive after close() (run " + i + ")");
            assertEquals(List.of(), threadsOf(rt));
        }
    }

    @Test
    void closeInterruptedWhileItWaitsStillWaitsForCoroutineLikeParticipants() throws Exception {
        WeftRuntime rt = WeftRuntime.builder().loops(1).build();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        rt.addCloseParticipant(timeout -> {
            calls.incrementAndGet();
            return release.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        });
        Thread closer = new Thread(rt::close);
        closer.start();
        while (calls.get() == 0) {
            Thread.onSpinWait();
        }
        closer.interrupt(); // a wait cut short retries: close() goes on waiting
        Thread.yield();
        assertTrue(closer.isAlive(), "close() returned on an interrupt instead of waiting for its participant");
        release.countDown();
        closer.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(closer.isAlive());
        assertEquals(List.of(), threadsOf(rt));
    }

    @Test
    void aLateCompletionAfterCloseGaveUpOnABlockedLoopRunsOnTheLoopNotBesideIt() throws Exception {
        // Issue 9, defect 1: once close() gave up on a blocked loop it marked the loop terminated and
        // ran later hand-overs inline on the completing thread while the loop thread was alive.
        WeftRuntime rt = WeftRuntime.builder().loops(1).closeTimeout(Duration.ofMillis(200)).build();
        Loop loop = rt.loop(0);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicReference<Thread> listenerThread = new AtomicReference<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Promise<String> p = loop.promise((v, e) -> {
            listenerThread.set(Thread.currentThread());
            outcome.complete(e != null ? e : v);
        });
        loop.execute(() -> {
            blocked.countDown();
            try {
                unblock.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocked.await(20, TimeUnit.SECONDS));
        rt.close(); // gives up on the blocked loop after 200 ms
        assertTrue(loop.thread().isAlive());
        assertFalse(loop.isTerminated(), "a loop whose thread still runs must not count as terminated");
        assertTrue(p.succeed("late"));
        assertFalse(outcome.isDone(), "the listener ran beside a loop that is still running");
        unblock.countDown();
        Object seen = outcome.get(20, TimeUnit.SECONDS);
        assertSame(loop.thread(), listenerThread.get(), "the listener must run on the loop thread");
        assertEquals("late", seen);
        loop.thread().join(TimeUnit.SECONDS.toMillis(20));
        assertTrue(loop.isTerminated());
    }

    @Test
    void afterTheLoopEndedLateWorkRunsOnceOnTheCallerAndTasksFailWithRuntimeClosed() throws Exception {
        WeftRuntime rt = WeftRuntime.builder().loops(1).build();
        Loop loop = rt.loop(0);
        Promise<String> p = loop.promise(null);
        rt.close();
        assertTrue(loop.isTerminated());
        assertFalse(loop.thread().isAlive());
        // close() failed the tracked promise; a late value is disposed of, its listener told once.
        CompletableFuture<Throwable> told = new CompletableFuture<>();
        AtomicInteger deliveries = new AtomicInteger();
        p.onComplete((v, e) -> {
            deliveries.incrementAndGet();
            told.complete(e);
        });
        assertInstanceOf(RuntimeClosedException.class, told.get(20, TimeUnit.SECONDS));
        assertFalse(p.succeed("too late"));
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        loop.execute(() -> ranOn.set(Thread.currentThread()));
        assertSame(Thread.currentThread(), ranOn.get(), "after the loop ended a task runs on the caller");
        assertEquals(1, deliveries.get());
        assertFalse(loop.isCarrierThread());
    }

    @Test
    void closeLeavesNoThreadEvenWhenLoopsAreBusyAtTheTime() throws Exception {
        for (int i = 0; i < 20; i++) {
            WeftRuntime rt = WeftRuntime.builder().loops(2).build();
            AtomicInteger done = new AtomicInteger();
            Thread producer = new Thread(() -> {
                try {
                    for (int k = 0; k < 100_000 && !rt.isClosed(); k++) {
                        int n = k;
                        rt.loop().submit(() -> n, (v, e) -> done.incrementAndGet());
                    }
                } catch (RuntimeClosedException expected) {
                    // the runtime closed under us
                }
            });
            producer.start();
            rt.close();
            producer.join(TimeUnit.SECONDS.toMillis(20));
            assertEquals(List.of(), threadsOf(rt));
            assertNotNull(rt.toString());
        }
    }
}
