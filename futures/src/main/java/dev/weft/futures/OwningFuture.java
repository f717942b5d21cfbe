package dev.weft.futures;

import dev.weft.core.Loop;
import java.util.function.Consumer;

/**
 * A {@link WeftFuture} of a value that must not be dropped and is not a buffer (an open connection
 * or server): if the future was cancelled while its operation was completing, nobody will ever see
 * the value, so it is disposed of here (closed) instead of leaking. (A plain WeftFuture already
 * releases a reference-counted value in that case.)
 */
final class OwningFuture<T> extends WeftFuture<T> {
    private final Consumer<? super T> dispose;

    OwningFuture(Loop loop, Consumer<? super T> dispose) {
        super(loop);
        this.dispose = dispose;
    }

    @Override
    public void onComplete(T value, Throwable failure) {
        if (failure != null) {
            completeExceptionally(failure);
        } else if (!complete(value) && value != null) {
            dispose.accept(value);
        }
    }
}
