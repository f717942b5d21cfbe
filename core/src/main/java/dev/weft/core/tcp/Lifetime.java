package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import java.util.function.Consumer;

/**
 * The life of a connection or a listening socket, as an operation in its loop's pending registry:
 * it ends when the socket closes, and {@link dev.weft.core.WeftRuntime#close()} aborts it while it
 * is open. The abort is what closes the socket and fails every request pending on it with
 * {@link dev.weft.core.RuntimeClosedException}, so requests themselves need no registry entry.
 */
final class Lifetime extends Op<Void> {
    private final Consumer<Throwable> onRuntimeClosed;

    Lifetime(Loop loop, Consumer<Throwable> onRuntimeClosed) {
        super(loop, null);
        this.onRuntimeClosed = onRuntimeClosed;
    }

    /** On the loop, once the socket is open. */
    void start() {
        track();
    }

    /** On the loop, once the socket has closed. */
    void ended() {
        complete(null);
    }

    @Override
    protected void onAbort() {
        // WeftRuntime.close() -> Loop.failPending(), on this loop's thread.
        onRuntimeClosed.accept(failureNow());
    }
}
