package dev.weft.futures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Waits;
import dev.weft.core.AllFailedException;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A combinator ({@code all}, {@code any}, {@code race}, {@code timeout}) follows a Weft future through
 * the future's own slot rather than a {@code whenComplete} dependent: a loser it cancels then costs
 * no JDK dependent stage and none of the {@link CompletionException}s (each with a stack trace) the
 * JDK stores in such a stage. The outcomes stay those of {@code whenComplete}: the same value, the
 * same failure object, the same dependent counting.
 */
class CombinatorBridgeTest {

    private static final long WAIT_S = 10;

    /** A future of a promise nobody completes unless the test does. */
    private static WeftFuture<Integer> pending(WeftRuntime rt, Futures fu) {
        Promise<Integer> p = rt.loop(0).promise(null);
        return fu.from(p);
    }

    @Test
    void anyOverWeftFuturesMakesNoJdkDependentOnThem() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> loser = pending(rt, fu);
            CompletableFuture<Integer> winner = new CompletableFuture<>();
            WeftFuture<Integer> any = fu.any(List.of(loser, winner));
            // A whenComplete dependent on the loser is what stored a CompletionException when it was cancelled.
            assertEquals(0, loser.getNumberOfDependents(), "the combinator made a JDK dependent on the Weft future");
            winner.complete(7);
            assertEquals(7, any.get(WAIT_S, TimeUnit.SECONDS));
            // The combinator completes before it cancels its losers: wait for that (bounded).
            Waits.awaitTrue(loser::isCancelled, "the loser was not cancelled");
        }
    }

    @Test
    void aStageCancelledByItsOwnerFailsTheCombinatorWithThatVeryCancellation() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> a = pending(rt, fu);
            WeftFuture<Integer> b = pending(rt, fu);
            WeftFuture<List<Integer>> all = fu.all(List.of(a, b));
            assertTrue(a.cancel(true));
            Throwable stored = a.handle((v, e) -> e).join();
            assertSame(stored, all.handle((v, e) -> e).get(WAIT_S, TimeUnit.SECONDS),
                    "all did not fail with the stage's own cancellation");
            Waits.awaitTrue(b::isCancelled, "the other stage was not cancelled");
        }
    }

    @Test
    void aFailureReachesTheCombinatorAsWhenCompleteHandsIt() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            IllegalStateException x = new IllegalStateException("x");
            IllegalStateException y = new IllegalStateException("y");
            CompletionException wrappedTwice = new CompletionException(new CompletionException(y));
            WeftFuture<Integer> plain = pending(rt, fu);
            WeftFuture<Integer> wrapped = pending(rt, fu);
            WeftFuture<Integer> nested = pending(rt, fu);
            WeftFuture<Integer> any = fu.any(List.of(plain, wrapped, nested));
            plain.completeExceptionally(x);
            wrapped.completeExceptionally(new CompletionException(x));
            nested.completeExceptionally(wrappedTwice);
            ExecutionException e = assertThrows(ExecutionException.class, () -> any.get(WAIT_S, TimeUnit.SECONDS));
            AllFailedException all = assertInstanceOf(AllFailedException.class, e.getCause());
            Throwable[] each = all.getSuppressed();
            assertEquals(3, each.length);
            assertSame(x, each[0]);
            assertSame(x, each[1], "a CompletionException was not unwrapped to its cause");
            assertSame(wrappedTwice.getCause(), each[2], "unwrapped more than once (whenComplete's Completer unwraps once)");
        }
    }

    @Test
    void aStageDoneBeforehandIsTakenAsItIs() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> done = pending(rt, fu);
            done.complete(5);
            WeftFuture<Integer> other = pending(rt, fu);
            assertEquals(5, fu.any(List.of(other, done)).get(WAIT_S, TimeUnit.SECONDS));
            Waits.awaitTrue(other::isCancelled, "the loser was not cancelled");
            WeftFuture<Integer> cancelled = pending(rt, fu);
            cancelled.cancel(true);
            assertSame(cancelled.handle((v, x) -> x).join(),
                    fu.race(List.of(cancelled)).handle((v, x) -> x).get(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void aStageWhoseSlotIsTakenIsFollowedTheOrdinaryWay() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> a = pending(rt, fu);
            CompletableFuture<Integer> composed = a.thenCompose(v -> CompletableFuture.completedFuture(v + 1));
            WeftFuture<Integer> any = fu.any(List.of(a, pending(rt, fu)));
            a.complete(1);
            assertEquals(1, any.get(WAIT_S, TimeUnit.SECONDS));
            assertEquals(2, composed.get(WAIT_S, TimeUnit.SECONDS));
        }
    }

    @Test
    void theCombinatorStillCountsAsADependentOfTheStage() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> f = pending(rt, fu);
            WeftFuture<Integer> other = pending(rt, fu);
            WeftFuture<Integer> any = fu.any(List.of(f, other));
            CompletableFuture<Integer> mapped = f.thenApply(v -> v);
            assertTrue(mapped.cancel(true));
            // The combinator still waits for f: abandoning the other dependent must not cancel it.
            assertFalse(f.isDone(), "f was cancelled while the combinator still depended on it");
            f.complete(3);
            assertEquals(3, any.get(WAIT_S, TimeUnit.SECONDS));
            assertThrows(CancellationException.class, mapped::join);
        }
    }

    @Test
    void aCombinatorWaitingInAComposedStagesSlotIsToldWhenTheChainCompletesIt() throws Exception {
        // The combinator's promise waits in the thenCompose stage's own slot; that stage is completed
        // by the loop that fires the chain (fireFrom), which must hand the outcome on to the promise.
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            WeftFuture<Integer> a = pending(rt, fu);
            CompletableFuture<Integer> composed = a.thenCompose(v -> CompletableFuture.completedFuture(v + 1));
            WeftFuture<Integer> any = fu.any(List.of(composed));
            assertEquals(0, composed.getNumberOfDependents(), "the combinator did not wait in the stage's slot");
            a.complete(1);
            assertEquals(2, any.get(WAIT_S, TimeUnit.SECONDS));

            WeftFuture<Integer> b = pending(rt, fu);
            WeftFuture<Integer> inner = pending(rt, fu);
            CompletableFuture<Integer> relayed = b.thenCompose(v -> inner);
            WeftFuture<Integer> all = fu.any(List.of(relayed));
            b.complete(1);
            inner.complete(5); // the stage relays inner's value, then tells the combinator
            assertEquals(5, all.get(WAIT_S, TimeUnit.SECONDS));
        }
    }

    /**
     * A done future's outcome is read in two steps when the combinator is told; an
     * {@code obtrudeException} from another thread between them made the second read throw
     * {@link IllegalStateException}: out of {@code all()} itself for a future already done, and out of
     * the completing call for one completed later, whose combinator was then never told (it hung).
     * Here the obtrusion lands exactly there, every time, on both paths.
     */
    @Test
    void anOutcomeObtrudedWhileTheCombinatorIsToldReachesIt() throws Exception {
        try (WeftRuntime rt = WeftRuntime.builder().loops(1).build()) {
            Futures fu = Futures.of(rt).on(rt.loop(0));
            // Done before the combinator follows it: told at once (relayTo).
            IllegalStateException replacement = new IllegalStateException("obtruded");
            ObtrudedOnRead done = new ObtrudedOnRead(rt, replacement);
            done.complete(1);
            done.armed = true;
            WeftFuture<List<Integer>> all = fu.all(List.of(done));
            ExecutionException e = assertThrows(ExecutionException.class, () -> all.get(WAIT_S, TimeUnit.SECONDS));
            assertSame(replacement, e.getCause(), "the combinator did not get the replacement outcome");
            assertFalse(done.armed, "the outcome was not replaced while the combinator was told");
            // Completed while the combinator waits in its slot: told by the completing call (fireNext).
            IllegalStateException later = new IllegalStateException("obtruded later");
            ObtrudedOnRead pending = new ObtrudedOnRead(rt, later);
            WeftFuture<List<Integer>> waiting = fu.all(List.of(pending));
            pending.armed = true;
            pending.complete(2);
            e = assertThrows(ExecutionException.class, () -> waiting.get(WAIT_S, TimeUnit.SECONDS));
            assertSame(later, e.getCause(), "the waiting combinator did not get the replacement outcome");
            assertFalse(pending.armed, "the outcome was not replaced while the waiting combinator was told");
        }
    }

    /** Replaces its own outcome with a failure right after the first {@code state()} read once armed. */
    private static final class ObtrudedOnRead extends WeftFuture<Integer> {
        private final Throwable replacement;
        volatile boolean armed;

        ObtrudedOnRead(WeftRuntime rt, Throwable replacement) {
            super(rt.loop(0));
            this.replacement = replacement;
        }

        @Override
        public State state() {
            State s = super.state();
            if (armed) {
                armed = false;
                obtrudeException(replacement);
            }
            return s;
        }
    }
}
