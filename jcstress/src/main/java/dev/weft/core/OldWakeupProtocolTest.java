package dev.weft.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The hand-off as Weft wrote it up to 5fbecbd, kept as evidence: the drain went idle when its flag
 * read 0, without looking at the queue's indexes. The producer's element store (a release store) is
 * not ordered before its flag read, so it can read the flag as 1 (a drain is due) just before the
 * drain resets it, while the drain cannot yet see the element: the store-buffering pattern. The
 * outcome "0, 0" is that lost wake-up; {@link RunQueueWakeupTest} forbids it for the real queue.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t OldWakeupProtocol}.
 */
@JCStressTest
@Description("The pre-fix hand-off (flag only): can a task be left behind with the loop idle?")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the drain ran the task")
@Outcome(id = "1, 1", expect = Expect.ACCEPTABLE, desc = "the drain ran the task; a spare wake-up")
@Outcome(id = "0, 1", expect = Expect.ACCEPTABLE, desc = "the task waits, and a wake-up was asked for")
@Outcome(id = "0, 0", expect = Expect.ACCEPTABLE_INTERESTING, desc = "LOST WAKE-UP in the old protocol")
@State
public class OldWakeupProtocolTest {
    private final MpscUnboundedXaddArrayQueue<Runnable> remote = new MpscUnboundedXaddArrayQueue<>(16);
    private final ArrayDeque<Runnable> local = new ArrayDeque<>();
    private volatile int remoteScheduled;
    private int wakeups;
    private boolean ran;

    public OldWakeupProtocolTest() {
        offer(() -> {});
        wakeups = 0;
    }

    private void offer(Runnable task) {
        remote.offer(task);
        if (remoteScheduled == 0 && SCHEDULED.compareAndSet(this, 0, 1)) {
            wakeups++;
        }
    }

    @Actor
    public void producer() {
        offer(() -> ran = true);
    }

    @Actor
    public void loop() {
        for (;;) {
            if (remoteScheduled != 0) {
                remoteScheduled = 0;
                remote.drain(local::offer, 1024);
            }
            Runnable t = local.poll();
            if (t == null) {
                if (remoteScheduled == 0) {
                    return;
                }
                continue;
            }
            t.run();
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = ran ? 1 : 0;
        r.r2 = wakeups > 0 ? 1 : 0;
    }

    private static final VarHandle SCHEDULED;

    static {
        try {
            SCHEDULED = MethodHandles.lookup().findVarHandle(OldWakeupProtocolTest.class, "remoteScheduled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
