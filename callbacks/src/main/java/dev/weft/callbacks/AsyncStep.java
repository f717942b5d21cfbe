package dev.weft.callbacks;

import dev.weft.core.Cancellable;

/**
 * An operation not started yet, in callback style: given the callback to call when it completes,
 * start it and return its handle. The combinators of {@link Callbacks} take these, for example
 * {@code cb -> callbacks.delay(Duration.ofMillis(5), cb)}.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface AsyncStep<T> {

    /** Starts the operation; {@code callback} must be called exactly once (Weft's operations do). */
    Cancellable start(Callback<T> callback);
}
