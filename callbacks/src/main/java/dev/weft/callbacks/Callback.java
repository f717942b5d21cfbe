package dev.weft.callbacks;

import dev.weft.core.OpListener;

/**
 * A completion handler: called exactly once, on the operation's loop thread, with a value or a
 * failure ({@code failure == null} means success). It is the core's {@link OpListener} itself, so a
 * callback costs no adapter object.
 *
 * <p>Must not block (it runs on an event loop). An exception it throws is logged and counted.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Callback<T> extends OpListener<T> {
}
