package dev.weft.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
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
