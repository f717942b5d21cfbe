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
 * The listener given to an {@link Op}'s constructor is written with a plain store (no fence): every
 * thread that later reads it got the op through a happens-before edge. Here one actor makes the op
 * with its listener and publishes it twice, as Weft does: through the loop's run queue (a task that
 * completes it) and through a volatile field, from which the other actor cancels it. Whichever wins,
 * the listener written in the constructor is seen by the winner: told exactly once, on the loop,
 * with the winner's outcome. A lost listener shows as 0 deliveries. A guard against regressions in
 * how ops are handed over, not a proof: both publications are edges the memory model already orders,
 * and a plain and a volatile store allow the same outcomes here.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t OpPresetListener}.
 */
@JCStressTest
@Description("Op: a listener given to the constructor (a plain store) reaches the winner of complete vs cancel")
@Outcome(id = "1, 1, 1", expect = Expect.ACCEPTABLE, desc = "the value won; told once, on the loop")
@Outcome(id = "2, 1, 1", expect = Expect.ACCEPTABLE, desc = "the cancel won; told once, on the loop")
@Outcome(id = "0, 1, 1", expect = Expect.ACCEPTABLE, desc = "the canceller ran before the op existed; the value won, told once")
@Outcome(expect = Expect.FORBIDDEN, desc = "a lost or doubled delivery, a wrong outcome, or a delivery off the loop")
@State
public class OpPresetListenerTest {
    static final WeftRuntime RUNTIME = OpDeliveryTest.RUNTIME;

    static final class TestOp extends Op<Integer> {
        TestOp(OpListener<Integer> listener) {
            super(RUNTIME.loop(0), listener);
        }

        void completeWith(int v) {
            complete(v);
        }
    }

    private volatile TestOp published;
    private volatile int deliveries;
    private volatile int onLoop = 1;
    private volatile int told; // 1 value, 2 cancelled
    private volatile int cancelled; // 1 if the canceller found the op

    @Actor
    public void maker() {
        TestOp op = new TestOp((v, e) -> {
            if (!RUNTIME.loop(0).isLoopThread()) {
                onLoop = 0;
            }
            told = e == null ? 1 : 2;
            deliveries++;
        });
        RUNTIME.loop(0).execute(() -> op.completeWith(42));
        published = op;
    }

    @Actor
    public void canceller() {
        TestOp op = published;
        if (op != null) {
            cancelled = 1;
            op.cancel();
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (deliveries == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        java.util.concurrent.CountDownLatch flushed = new java.util.concurrent.CountDownLatch(1);
        RUNTIME.loop(0).execute(flushed::countDown);
        try {
            flushed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TestOp op = published;
        int winner = op == null ? -9 : op.isCancelled() ? 2 : op.isDone() ? 1 : -9;
        r.r1 = told != winner ? -winner : winner == 1 && cancelled == 0 ? 0 : winner;
        r.r2 = deliveries;
        r.r3 = onLoop;
    }
}
