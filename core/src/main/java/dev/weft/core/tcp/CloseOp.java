package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.util.function.Supplier;

/**
 * Closes a connection or a server and completes when its sockets are closed. Cancelling it before
 * it ran on the loop means nothing is closed; once it ran, closing goes on and the operation simply
 * completes cancelled.
 */
final class CloseOp extends Op<Void> implements Runnable, GenericFutureListener<Future<Object>> {
    /** Starts closing (on the loop) and returns what completes when closed. */
    private final Supplier<Future<Void>> closer;

    CloseOp(Loop loop, Supplier<Future<Void>> closer, OpListener<? super Void> listener) {
        super(loop, listener);
        this.closer = closer;
    }

    void start() {
        track();
        loop().runNowOrLater(this);
    }

    @Override
    public void run() {
        if (isDone()) {
            return;
        }
        closer.get().addListener(this);
    }

    @Override
    public void operationComplete(Future<Object> f) {
        complete(null);
    }
}
