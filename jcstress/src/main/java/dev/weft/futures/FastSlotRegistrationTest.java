package dev.weft.futures;

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
 * WeftFuture's fast {@code thenCompose} slot: a registration (a CAS from empty) races the completion,
 * whose thread takes the dependent out of the slot (or marks it done by a CAS when none is there). Either
 * the completer finds the dependent and runs it, or the registrar finds the future done and runs it
 * itself: exactly once, never zero times.
 *
 * <p>Run: {@code java -jar jcstress/target/jcstress.jar -t FastSlot}.
 */
@JCStressTest
@Description("WeftFuture fast slot: thenCompose registration vs completion: the dependent runs once")
@Outcome(id = "1, 10", expect = Expect.ACCEPTABLE, desc = "the function ran once, the dependent has its value")
@Outcome(expect = Expect.FORBIDDEN, desc = "the dependent ran twice or never")
@State
public class FastSlotRegistrationTest {
    private final WeftFuture<Integer> f = new WeftFuture<>(FastSlotCompletionsTest.RUNTIME.loop(0));
    private volatile int applied;
    private volatile CompletableFuture<Integer> d;

    @Actor
    public void registrar() {
        d = f.thenCompose(v -> {
            applied++;
            return CompletableFuture.completedFuture(v * 10);
        });
    }

    @Actor
    public void completer() {
        f.complete(1);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        CompletableFuture<Integer> dep = d;
        r.r1 = applied;
        r.r2 = !dep.isDone() ? 0 : dep.isCompletedExceptionally() ? -1 : dep.join();
    }
}
