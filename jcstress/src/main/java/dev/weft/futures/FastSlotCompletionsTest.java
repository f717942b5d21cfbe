package dev.weft.futures;

import dev.weft.core.WeftRuntime;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * WeftFuture's fast {@code thenCompose} slot: a completion races a cancellation while a dependent waits
 * in the slot. Only the thread whose completion won takes the dependent out (a volatile read and a
 * release store, no atomic exchange), so it runs exactly once: the function applied once (it returns
 * a stage that stays pending, so the dependent then waits for it) or, after the cancellation, never
 * (the dependent fails). A second run would find the function applied and relay the source's value
 * into the dependent (done with 1); a lost one leaves it pending without the function applied. Both
 * run synchronously on a completing thread, so the arbiter sees the end state.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t FastSlot}.
 */
@JCStressTest
@Description("WeftFuture fast slot: complete vs cancel with a thenCompose dependent waiting: it runs once")
@Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the value won; the function ran once, the dependent waits for its stage")
@Outcome(id = "0, -1", expect = Expect.ACCEPTABLE, desc = "the cancel won; the function never ran, the dependent failed")
@Outcome(expect = Expect.FORBIDDEN, desc = "the dependent ran twice, never, or relayed the source's value")
@State
public class FastSlotCompletionsTest {
    /** One runtime for every state: the futures only need its loop as their home. */
    static final WeftRuntime RUNTIME = WeftRuntime.builder().loops(1).name("jcstress-futures").build();

    private final WeftFuture<Integer> f = new WeftFuture<>(RUNTIME.loop(0));
    private final WeftFuture<Integer> pending = new WeftFuture<>(RUNTIME.loop(0));
    private volatile int applied;
    private final CompletableFuture<Integer> d = f.thenCompose(v -> {
        applied++;
        return pending;
    });

    @Actor
    public void completer() {
        f.complete(1);
    }

    @Actor
    public void canceller() {
        f.cancel(true);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = applied;
        r.r2 = !d.isDone() ? 0 : d.isCompletedExceptionally() ? -1 : d.join();
    }

    /** The same with an obtrusion racing the completion: an ordinary completion when it comes first. */
    @JCStressTest
    @Description("WeftFuture fast slot: complete vs obtrudeValue with a thenCompose dependent waiting: it runs once")
    @Outcome(id = "1, 0", expect = Expect.ACCEPTABLE, desc = "the function ran once, the dependent waits for its stage")
    @Outcome(expect = Expect.FORBIDDEN, desc = "the dependent ran twice or never, or relayed the source's value")
    @State
    public static class Obtrude {
        private final WeftFuture<Integer> f = new WeftFuture<>(RUNTIME.loop(0));
        private final WeftFuture<Integer> pending = new WeftFuture<>(RUNTIME.loop(0));
        private volatile int applied;
        private final CompletableFuture<Integer> d = f.thenCompose(v -> {
            applied++;
            return pending;
        });

        @Actor
        public void completer() {
            f.complete(1);
        }

        @Actor
        public void obtruder() {
            f.obtrudeValue(2);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r1 = applied;
            r.r2 = !d.isDone() ? 0 : d.isCompletedExceptionally() ? -1 : d.join();
        }
    }
}
