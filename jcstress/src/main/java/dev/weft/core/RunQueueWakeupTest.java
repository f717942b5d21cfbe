package dev.weft.core;

import java.util.concurrent.Executor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The run queue's cross-thread hand-off: a producer offers a task while the loop drains the queue
 * after an earlier producer's wake-up. Whatever the interleaving and memory ordering, the task is
 * either run by this drain or left with a new wake-up requested (a drain task submitted, or a drain
 * due after the next I/O poll). A task left behind with the loop idle is a lost wake-up.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t RunQueueWakeup}.
 */
@JCStressTest
@Description("RunQueue: a remote offer racing a drain is never left behind with the loop idle")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the drain ran the task")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "the drain ran the task; a spare wake-up was asked for")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "the task waits, and a wake-up was asked for")
@Outcome(id = "0, 0", expect = Expect.FORBIDDEN, desc = "lost wake-up: the task waits, the loop is idle")
@State
public class RunQueueWakeupTest {
    private int wakeups;
    private boolean ran;
    private final RunQueue queue;

    public RunQueueWakeupTest() {
        Executor wake = task -> wakeups++; // the arbiter reads it after both actors (happens-before)
        queue = new RunQueue(wake, new RunQueue.Host() {
            @Override
            public void taskFailed(Runnable task, Throwable failure) {
                throw new AssertionError(failure);
            }

            @Override
            public void runAfterTermination(Runnable task) {
                throw new AssertionError("not terminated");
            }
        }, new LoopMetrics(), Long.MAX_VALUE, 16);
        queue.offerRemote(() -> {}); // an earlier producer: its wake-up is the drain below
        wakeups = 0;
    }

    @Actor
    public void producer() {
        queue.offerRemote(() -> ran = true);
    }

    @Actor
    public void loop() {
        queue.drain();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = ran ? 1 : 0;
        r.r2 = wakeups > 0 || queue.hasWorkAfterIo() ? 1 : 0;
    }
}
