package dev.weft.futures;

import dev.weft.core.Loop;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The stage {@link WeftFuture#thenCompose} returns on its fast path: it is its own node. It waits in its
 * source's slot ({@code WeftFuture.next}) and, once the source completed, applies {@code fn}; if the
 * stage {@code fn} returns is pending, it waits in that stage's slot in turn and completes with its
 * outcome. Results as {@code CompletableFuture.thenCompose}'s (its UniCompose and UniRelay nodes), an
 * exception wrapped in a {@link java.util.concurrent.CompletionException} the same way.
 *
 * <p>Each step runs where the stage it waits for completes (as {@code CompletableFuture}'s
 * non-async dependents); the fields are handed from step to step through the slots (a CAS registers a
 * dependent, the completing thread takes it with a volatile read).
 */
final class ComposeFuture<T, U> extends WeftFuture.Dependent<U> {
    /** The function to apply; {@code null} once applied (then this relays the stage it returned). */
    private Function<? super T, ? extends CompletionStage<U>> fn;

    ComposeFuture(Loop loop, Function<? super T, ? extends CompletionStage<U>> fn) {
        super(loop);
        this.fn = fn;
    }

    /**
     * {@code src}, the stage this waited for, completed. Returns this when this completed here (quietly:
     * the caller fires its own fast dependent, without recursion), else {@code null}.
     */
    @SuppressWarnings("unchecked")
    WeftFuture<?> fire(CompletableFuture<?> src) {
        Function<? super T, ? extends CompletionStage<U>> f = fn;
        if (f == null) { // src is the stage fn returned
            return relayQuietly(src) ? this : null;
        }
        fn = null;
        if (isDone()) { // cancelled or completed meanwhile: fn is not applied, as in CompletableFuture
            return null;
        }
        if (src.isCompletedExceptionally()) {
            return relayQuietly(src) ? this : null;
        }
        CompletableFuture<U> g;
        try {
            g = f.apply((T) src.getNow(null)).toCompletableFuture();
        } catch (Throwable ex) {
            return completeExceptionallyQuietly(wrap(ex)) ? this : null;
        }
        if (g.isDone()) {
            return relayQuietly(g) ? this : null;
        }
        if (g instanceof WeftFuture<?> w && w.await(this)) {
            return null; // g's completion fires this
        }
        waitFor(g);
        return null;
    }

    /**
     * Waits for {@code g} on its own stack (a stage that takes no fast dependent, or whose slot is taken):
     * through {@code allOf}, which, unlike a dependent made from {@code g}, does not count as one of
     * {@code g}'s dependents (see {@link WeftFuture}), as {@code CompletableFuture}'s relay does not.
     */
    void waitFor(CompletableFuture<?> g) {
        CompletableFuture.allOf(g).whenComplete((x, e) -> {
            WeftFuture<?> done = fire(g);
            if (done != null) {
                done.fireNext();
            }
        });
    }
}
