package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two loops ending at once, each handing the other a task from its own afterlife (a timer aborted at
 * termination completes an operation whose listener belongs to the other loop). Each loop thread holds
 * its own queue's afterlife lock while it sweeps; before the fix, each then blocked on the other's lock
 * to run the handed-over task there: both loops stuck in termination for good (seen once as
 * FuturesConformanceTest.faultSoakLosesAndDoublesNothing's "both loops still running after close",
 * with the loop thread's stack at RunQueue.runAfterTermination under terminate()).
 */
class RunQueueAfterlifeTest {

    private static RunQueue queue() {
        return new RunQueue(task -> { /* no real loop: the test calls terminate() itself */ },
                new RunQueue.Host() {
                    @Override
                    public void taskFailed(Runnable task, Throwable failure) {
                        throw new AssertionError("task failed", failure);
                    }

                    @Override
                    public void runAfterTermination(Runnable task) {
                        task.run();
                    }
                }, new LoopMetrics(), TimeUnit.MILLISECONDS.toNanos(1), 1024);
    }

    @Test
    void twoLoopsEndingAtOnceHandEachOtherTasksWithoutDeadlock() throws Exception {
        RunQueue a = queue();
        RunQueue b = queue();
        CountDownLatch bothSweeping = new CountDownLatch(2);
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        // Each queue's last task waits until both loops are inside terminate(), then hands the other
        // loop a task: it finds that loop terminated and must run the task in that loop's afterlife.
        a.offerLocal(() -> {
            bothSweeping.countDown();
            await(bothSweeping);
            b.offerRemote(ranOnB::incrementAndGet);
        });
        b.offerLocal(() -> {
            bothSweeping.countDown();
            await(bothSweeping);
            a.offerRemote(ranOnA::incrementAndGet);
        });
        Thread loopA = new Thread(a::terminate, "loop-a-terminating");
        Thread loopB = new Thread(b::terminate, "loop-b-terminating");
        loopA.start();
        loopB.start();
        loopA.join(10_000);
        loopB.join(10_000);
        assertFalse(loopA.isAlive(), "loop a still terminating: " + stack(loopA));
        assertFalse(loopB.isAlive(), "loop b still terminating: " + stack(loopB));
        // The handed-over tasks still run, once each (off the ended loops' threads, serially).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((ranOnA.get() == 0 || ranOnB.get() == 0) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, ranOnA.get(), "task handed to loop a");
        assertEquals(1, ranOnB.get(), "task handed to loop b");
        assertTrue(a.isTerminated() && b.isTerminated());
    }

    /**
     * One submitter's tasks keep their order after termination even when the first had to be left for
     * a pool sweep: a thread inside one loop's afterlife hands loop b a task while b's afterlife is busy
     * (left in b's queue for the JDK pool), then another once it is free. Before, the second ran at once,
     * ahead of the first. The common pool is held busy so that its sweep cannot run in between.
     */
    @Test
    void aSubmittersTasksKeepTheirOrderWhenTheFirstWaitedForAPoolSweep() throws Exception {
        RunQueue a = queue();
        RunQueue b = queue();
        a.terminate();
        b.terminate();
        List<String> ran = new CopyOnWriteArrayList<>();
        CountDownLatch bBusy = new CountDownLatch(1);
        CountDownLatch releaseB = new CountDownLatch(1);
        CountDownLatch releasePool = new CountDownLatch(1);
        int workers = ForkJoinPool.commonPool().getParallelism();
        CountDownLatch poolBusy = new CountDownLatch(workers);
        for (int i = 0; i < workers; i++) {
            ForkJoinPool.commonPool().execute(() -> {
                poolBusy.countDown();
                await(releasePool);
            });
        }
        try {
            await(poolBusy);
            // Another thread runs a task in b's afterlife and holds it there.
            Thread holder = new Thread(() -> b.offerRemote(() -> {
                bBusy.countDown();
                await(releaseB);
            }), "b-afterlife-holder");
            holder.start();
            await(bBusy);
            Thread submitter = new Thread(() -> a.offerRemote(() -> {
                b.offerRemote(() -> ran.add("first")); // b busy: left for a pool sweep
                releaseB.countDown();
                try {
                    holder.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                b.offerRemote(() -> ran.add("second")); // b free now
            }), "in-a's-afterlife");
            submitter.start();
            submitter.join(10_000);
            assertFalse(submitter.isAlive(), "the submitter is stuck: " + stack(submitter));
        } finally {
            releaseB.countDown();
            releasePool.countDown();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ran.size() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of("first", "second"), ran);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the other loop never began terminating");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String stack(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) {
            sb.append("\n\tat ").append(e);
        }
        return sb.toString();
    }
}
