package dev.weft.futures;

import static dev.weft.conformance.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.conformance.Outcome;
import dev.weft.core.Promise;
import dev.weft.core.WeftRuntime;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Futures only: {@link WeftFuture#thenCompose}'s fast path (a dependent waiting in its source's slot,
 * no CompletableFuture nodes) gives what {@code CompletableFuture.thenCompose} gives, case by case: the
 * same value, the same exception in the same {@link CompletionException} wrapping, the function not
 * applied after a failure, a long chain of relays without a deep stack, the dependent counting rule.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThenComposeFastPathTest {
    private static final long WAIT = Outcome.WAIT_SECONDS;
    private static final IOException BOOM = new IOException("boom");
    private static final CompletionException WRAPPED = new CompletionException("wrapped", BOOM);

    private WeftRuntime rt;
    private Futures fu;

    @BeforeEach
    void start() {
        rt = WeftRuntime.builder().loops(1).build();
        fu = Futures.of(rt);
    }

    @AfterEach
    void stop() {
        rt.close();
    }

    /** A source and the stage fn returns, each either a WeftFuture of an operation or a plain CompletableFuture. */
    private interface Source {
        CompletableFuture<Integer> future();

        void succeed(Integer v);

        void fail(Throwable t);

        void cancel();
    }

    private Source weft() {
        Promise<Integer> p = rt.loop(0).promise(null);
        WeftFuture<Integer> f = fu.from(p);
        return new Source() {
            public CompletableFuture<Integer> future() { return f; }
            public void succeed(Integer v) { p.succeed(v); }
            public void fail(Throwable t) { p.failWith(t); }
            public void cancel() { f.cancel(true); }
        };
    }

    private static Source plain() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        return new Source() {
            public CompletableFuture<Integer> future() { return f; }
            public void succeed(Integer v) { f.complete(v); }
            public void fail(Throwable t) { f.completeExceptionally(t); }
            public void cancel() { f.cancel(true); }
        };
    }

    /** What a done stage holds: value, or the stored exception (class, message, cause) as whenComplete sees it. */
    private static String outcome(CompletableFuture<?> f) throws Exception {
        try {
            f.get(WAIT, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // described below
        }
        CompletableFuture<String> d = new CompletableFuture<>();
        f.whenComplete((v, x) -> d.complete(x == null ? "value " + v
                : x.getClass().getSimpleName() + "(" + x.getMessage() + ") cause "
                        + (x.getCause() == null ? "none" : x.getCause().getClass().getSimpleName()
                                + (x.getCause() == BOOM ? " BOOM" : "") + (x == WRAPPED ? " WRAPPED" : ""))
                + " cancelled=" + f.isCancelled()));
        // a WeftFuture's cancel races its operation's own cancellation (whose exception says so) to the future
        return d.get(WAIT, TimeUnit.SECONDS).replace(": operation cancelled", "").replace("(operation cancelled)", "(null)");
    }

    /** One case: the source does {@code src}, fn returns {@code inner} (made by {@code innerKind}) which does {@code in}. */
    private String run(Supplier<Source> kind, java.util.function.Consumer<Source> src, Supplier<Source> innerKind,
            java.util.function.Consumer<Source> in, boolean sourceFirst, boolean ordinary, AtomicInteger applied)
            throws Exception {
        Source s = kind.get();
        Source inner = innerKind.get();
        if (ordinary) { // a first dependent takes the fast slot: the next one is CompletableFuture's own
            s.future().thenCompose(v -> CompletableFuture.completedFuture(0));
        }
        CompletableFuture<Integer> d = s.future().thenCompose(v -> {
            applied.incrementAndGet();
            return inner.future();
        });
        if (sourceFirst) {
            src.accept(s);
            s.future().handle((v, e) -> null).get(WAIT, TimeUnit.SECONDS);
            in.accept(inner);
        } else {
            in.accept(inner);
            inner.future().handle((v, e) -> null).get(WAIT, TimeUnit.SECONDS);
            src.accept(s);
        }
        return outcome(d);
    }

    @Test
    void everyOutcomeIsCompletableFuturesOwn() throws Exception {
        List<java.util.function.Consumer<Source>> sources = List.of(
                s -> s.succeed(1), s -> s.fail(BOOM), s -> s.fail(WRAPPED), Source::cancel);
        List<java.util.function.Consumer<Source>> inners = List.of(
                s -> s.succeed(2), s -> s.fail(BOOM), s -> s.fail(WRAPPED), Source::cancel);
        List<Supplier<Source>> innerKinds = List.of(this::weft, ThenComposeFastPathTest::plain,
                () -> { // a dependent stage: one CompletableFuture completes itself
                    Source w = weft();
                    CompletableFuture<Integer> dep = w.future().thenApply(x -> x);
                    return new Source() {
                        public CompletableFuture<Integer> future() { return dep; }
                        public void succeed(Integer v) { w.succeed(v); }
                        public void fail(Throwable t) { w.fail(t); }
                        public void cancel() { dep.cancel(true); }
                    };
                });
        int cases = 0;
        for (var src : sources) {
            for (var in : inners) {
                for (var ik : innerKinds) {
                    for (boolean sourceFirst : new boolean[] {true, false}) {
                        AtomicInteger appliedWeft = new AtomicInteger();
                        AtomicInteger appliedPlain = new AtomicInteger();
                        String expected = run(this::weft, src, ik, in, sourceFirst, true, appliedPlain);
                        String actual = run(this::weft, src, ik, in, sourceFirst, false, appliedWeft);
                        assertEquals(expected, actual, "case " + cases);
                        assertEquals(appliedPlain.get(), appliedWeft.get(), "fn applied, case " + cases);
                        cases++;
                    }
                }
            }
        }
    }

    @Test
    void aThrowingOrNullReturningFunctionFailsTheStageAsCompletableFutureDoes() throws Exception {
        IllegalStateException bad = new IllegalStateException("bad");
        for (Function<Integer, CompletionStage<Integer>> fn : List.<Function<Integer, CompletionStage<Integer>>>of(
                v -> { throw bad; }, v -> null, v -> { throw new CompletionException("as is", bad); })) {
            Source w = weft();
            Source p = weft();
            p.future().thenCompose(v -> CompletableFuture.completedFuture(0)); // p's next one: the ordinary path
            CompletableFuture<Integer> dw = w.future().thenCompose(fn);
            CompletableFuture<Integer> dp = p.future().thenCompose(fn);
            w.succeed(1);
            p.succeed(1);
            assertEquals(outcome(dp), outcome(dw));
        }
    }

    @Test
    void aSourceAlreadyDoneAndASecondDependentBothComplete() throws Exception {
        Source s = weft();
        Source inner = weft();
        CompletableFuture<Integer> first = s.future().thenCompose(v -> inner.future());
        CompletableFuture<Integer> second = s.future().thenCompose(v -> CompletableFuture.completedFuture(v + 10));
        s.succeed(1);
        assertEquals(11, second.get(WAIT, TimeUnit.SECONDS));
        inner.succeed(5);
        assertEquals(5, first.get(WAIT, TimeUnit.SECONDS));
        assertEquals(21, s.future().thenCompose(v -> CompletableFuture.completedFuture(v + 20)).get(WAIT, TimeUnit.SECONDS));
    }

    @Test
    void aLongChainOfRelaysCompletesWithoutADeepStack() throws Exception {
        Source done = weft();
        done.succeed(0);
        done.future().get(WAIT, TimeUnit.SECONDS);
        Source last = weft();
        CompletableFuture<Integer> d = last.future();
        for (int i = 0; i < 200_000; i++) {
            CompletableFuture<Integer> inner = d;
            d = done.future().thenCompose(v -> inner); // each waits for the next: a chain of relays
        }
        last.succeed(7);
        assertEquals(7, d.get(WAIT, TimeUnit.SECONDS));
    }

    @Test
    void cancellingTheComposedStageCancelsTheOperationWhenNothingElseDependsOnIt() throws Exception {
        Promise<Integer> p = rt.loop(0).promise(null);
        WeftFuture<Integer> f = fu.from(p);
        CompletableFuture<Integer> d = f.thenCompose(v -> CompletableFuture.completedFuture(v));
        assertTrue(d.cancel(true));
        awaitTrue(p::isCancelled, "cancelling the only dependent did not cancel the operation");

        Promise<Integer> q = rt.loop(0).promise(null);
        WeftFuture<Integer> g = fu.from(q);
        CompletableFuture<Integer> d1 = g.thenCompose(v -> CompletableFuture.completedFuture(v));
        CompletableFuture<Integer> d2 = g.thenApply(v -> v);
        assertTrue(d1.cancel(true));
        assertFalse(q.isCancelled(), "another dependent still waits");
        assertTrue(d2.cancel(true));
        awaitTrue(q::isCancelled, "the last dependent gone did not cancel the operation");
        assertSame(true, g.isCancelled());

        // the other order: the ordinary dependent leaves first, the composed one last
        Promise<Integer> r = rt.loop(0).promise(null);
        WeftFuture<Integer> h = fu.from(r);
        CompletableFuture<Integer> e1 = h.thenCompose(v -> CompletableFuture.completedFuture(v));
        CompletableFuture<Integer> e2 = h.thenApply(v -> v);
        assertTrue(e2.cancel(true));
        assertFalse(r.isCancelled(), "the composed stage still waits");
        assertTrue(e1.cancel(true));
        awaitTrue(r::isCancelled, "the composed stage, last to leave, did not cancel the operation");
    }
}
