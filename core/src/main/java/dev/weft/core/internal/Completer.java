package dev.weft.core.internal;

import dev.weft.core.OpListener;
import dev.weft.core.Promise;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * The one adapter from a style's own completion (a callback, a {@code CompletionStage}'s
 * {@code whenComplete}) to a core {@link Promise}, so that core's combinators can own what a facade
 * started. A value that arrives after the promise ended (a loser, a late reply) is disposed of by the
 * promise itself; a {@link CompletionException} is unwrapped to its cause, so every style sees the
 * same failure. Any thread. Not API.
 *
 * @param <T> the value type
 */
public final class Completer<T> implements OpListener<T>, BiConsumer<T, Throwable> {
    private final Promise<T> promise;

    private Completer(Promise<T> promise) {
        this.promise = promise;
    }

    /** A completer of {@code promise}. */
    public static <T> Completer<T> of(Promise<T> promise) {
        return new Completer<>(Checks.notNull(promise, "promise"));
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
