package dev.weft.core;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The completion primitive: a completion races a cancellation followed by a late listener (two actors,
 * so that it runs on two cores: the completion races both the cancel's CAS and the listener's
 * attachment). Exactly one outcome wins, and the listener is told exactly once, on the loop thread,
 * whichever order they came in. Delivery is asynchronous (through the loop), so the arbiter waits for it, at
 * most a second; a delivery that never comes shows as 0.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t OpDelivery}.
 */
@JCStressTest
@Description("Op: complete vs cancel vs late listener: one winner, one delivery, on the loop")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "the value won; told once, on the loop")
@Outcome(id = "2, 1, 1", expect = Expect.ACCEPTABLE, desc = "the cancel won; told once, on the loop")
@Outcome(expect = Expect.FORBIDDEN, desc = "no winner, a lost or doubled delivery, or a delivery off the loop")
@State
public class OpDeliveryTest {
    /** One runtime for every state: a loop per state would cost more than the race being tested. */
    static final WeftRuntime RUNTIME = WeftRuntime.builder().loops(1).name("jcstress").build();

    /** An op completed by the test, untracked (no registry round trip per state). */
    static final class TestOp extends Op<Integer> {
        TestOp() {
            super(RUNTIME.loop(0), null);
        }

        boolean completeWith(int v) {
            return complete(v);
        }
    }

    private final TestOp op = new TestOp();
    private volatile int deliveries;
    private volatile int onLoop = 1;
    private volatile int told; // 1 value, 2 cancelled

    @Actor
    public void completer() {
        op.completeWith(42);
    }

    @Actor
    public void cancellerThenListener() {
        op.cancel();
        op.onComplete((v, e) -> {
            if (!op.loop().isLoopThread()) {
                onLoop = 0;
            }
            told = e == null ? 1 : 2;
            deliveries++; // a second delivery would race here too: any count but 1 is a failure
        });
    }

    @Arbiter
    public void arbiter(III_Result r) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (deliveries == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        // A duplicate would be delivered through the loop too: one more loop round trip to catch it.
        java.util.concurrent.CountDownLatch flushed = new java.util.concurrent.CountDownLatch(1);
        op.loop().execute(flushed::countDown);
        try {
            flushed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int winner = op.isCancelled() ? 2 : op.isDone() ? 1 : 0;
        r.r1 = told == winner ? winner : -winner;
        r.r2 = deliveries;
        r.r3 = onLoop;
    }
}
