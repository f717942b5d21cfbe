package dev.weft.core;

/**
 * The one completion handler of an {@link Op}: called exactly once, with either a value or a failure.
 *
 * <p>Threading: always called on the operation's {@linkplain Op#loop() loop} thread while the
 * runtime is open. Once the runtime has been closed and its loops have stopped, a late delivery
 * runs on the thread that caused it (the closing thread, or the thread completing the operation).
 *
 * <p>A listener must not block: it runs on an event loop that serves many operations.
 * An exception it throws is logged and counted; it cannot reach anyone else.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface OpListener<T> {

    /**
     * @param value the value when the operation succeeded (may be {@code null}), else {@code null}
     * @param failure {@code null} on success; otherwise why it failed. A cancelled operation
     *     reports a {@link java.util.concurrent.CancellationException}; an operation cut short by
     *     {@link WeftRuntime#close()} reports a {@link RuntimeClosedException}.
     */
    void onComplete(T value, Throwable failure);
}
