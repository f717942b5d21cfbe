package dev.weft.core.internal;

import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import dev.weft.core.Promise;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * The one adapter from a style's own completion (a callback, a {@code CompletionStage}'s
 * {@code whenComplete}) to a core {@link Promise}, so that core's combinators can own what a facade
 * started. A value that arrives after the promise ended (a loser, a late reply) is disposed of by the
 * promise itself (released, or closed if a connection or server: the combinator owns it); a {@link CompletionException} is unwrapped to its cause, so every style sees the
 * same failure. Any thread. Not API.
 *
 * @param <T> the value type
 */
public final class Completer<T> implements OpListener<T>, BiConsumer<T, Throwable> {
    private final ChildPromise<T> promise;

    private Completer(ChildPromise<T> promise) {
        this.promise = promise;
    }

    /**
     * A completer of a new promise on {@code loop} that stands for one child of a combinator (tracked,
     * so close() fails it if it never completes). The combinator owns the child's value: one that
     * arrives after the promise ended is disposed of in full (a connection or server closed).
     *
     * @throws dev.weft.core.RuntimeClosedException if the runtime is closed
     */
    public static <T> Completer<T> child(Loop loop) {
        loop.runtime().ensureOpen();
        return new Completer<>(new ChildPromise<T>(loop).tracked());
    }

    /** The promise this completer completes. */
    public Promise<T> promise() {
        return promise;
    }

    private static final class ChildPromise<T> extends Promise<T> {
        ChildPromise(Loop loop) {
            super(loop, null);
        }

        ChildPromise<T> tracked() {
            track();
            return this;
        }

        @Override
        protected void disposeUnreceived(T value) {
            Disposal.dispose(value);
        }
    }

    @Override
    public void onComplete(T value, Throwable failure) {
        if (failure == null) {
            promise.succeed(value);
        } else {
            promise.failWith(failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
        }
    }

    @Override
    public void accept(T value, Throwable failure) {
        onComplete(value, failure);
    }
}
