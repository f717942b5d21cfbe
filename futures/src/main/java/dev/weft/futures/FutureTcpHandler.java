package dev.weft.futures;

import dev.weft.core.tcp.TcpExchange;
import dev.weft.core.tcp.TcpHandler;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * Adapts a {@link FutureRequestHandler}: each exchange is itself the stage's {@code whenComplete}
 * action. When the connection closes before the stage completes, the stage is cancelled.
 */
final class FutureTcpHandler implements TcpHandler {
    private final FutureRequestHandler handler;

    FutureTcpHandler(FutureRequestHandler handler) {
        this.handler = handler;
    }

    @Override
    public TcpExchange newExchange() {
        return new Exchange();
    }

    @Override
    public void handle(TcpExchange exchange) throws Exception {
        Exchange ex = (Exchange) exchange;
        CompletionStage<ByteBuf> stage = handler.handle(ex.request());
        if (stage == null) {
            ex.fail(new NullPointerException("stage: null (expected: the stage of the reply)"));
        } else if (stage instanceof CompletableFuture<ByteBuf> cf && cf.isDone()) {
            ByteBuf reply;
            try {
                reply = cf.join(); // done: no wait, no dependent object
            } catch (Throwable t) {
                ex.accept(null, t);
                return;
            }
            ex.onComplete(reply, null);
        } else {
            ex.stage = stage;
            stage.whenComplete(ex);
        }
    }

    /** A core exchange that completes from a stage, and cancels it when its connection closes first. */
    private static final class Exchange extends TcpExchange implements BiConsumer<ByteBuf, Throwable> {
        /** The handler's pending stage; loop-confined (set by handle, read by onCancel). */
        private CompletionStage<ByteBuf> stage;

        @Override
        protected void onCancel() {
            // A stage that is a Future (a CompletableFuture, a WeftFuture that cancels its operation)
            // can be cancelled; any other stage runs on and its reply is released when it completes.
            if (stage instanceof Future<?> f) {
                f.cancel(true);
            }
        }

        @Override
        public void accept(ByteBuf reply, Throwable failure) {
            if (failure == null) {
                onComplete(reply, null);
            } else {
                onComplete(null, failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            }
        }
    }
}
