package dev.weft.core;

/**
 * Something that was started and can be called off.
 *
 * <p>Every Weft operation is cancellable. Cancelling a pending operation completes it, exactly once,
 * with a {@link java.util.concurrent.CancellationException} and releases what it holds (a cancelled
 * timer never fires, a cancelled offload interrupts its task). Cancelling an operation that already
 * completed does nothing and returns {@code false}.
 *
 * <p>May be called from any thread.
 */
@FunctionalInterface
public interface Cancellable {

    /**
     * Cancels the operation if it has not completed yet.
     *
     * @return {@code true} if this call cancelled it; {@code false} if it had already completed
     *     (with a value, a failure, or an earlier cancellation)
     */
    boolean cancel();
}
