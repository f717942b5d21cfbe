package dev.weft.core;

/**
 * A call that waits (a coroutine's suspending call, or a blocking {@code join}/{@code get}) was made
 * on an event-loop thread outside a coroutine. Waiting there would deadlock: the loop is the thread
 * that would complete what is awaited. Start a coroutine, chain a callback or a dependent stage
 * instead, or make the call from another thread.
 */
public final class IllegalBlockingCallException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public IllegalBlockingCallException(String what) {
        super(what + " was called on event-loop thread '" + Thread.currentThread().getName()
                + "' outside a coroutine: waiting there would deadlock the loop. Launch a coroutine"
                + " (Coroutines.launch), chain a callback or a dependent stage, or call it from another thread");
    }
}
