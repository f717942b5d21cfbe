package dev.weft.coroutines;

import dev.weft.core.tcp.TcpExchange;
import dev.weft.core.tcp.TcpHandler;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.Callable;

/**
 * Adapts a {@link CoroutineRequestHandler}: one coroutine per request, launched on the connection's
 * loop; the exchange is both the coroutine's body and the listener of its outcome. When the
 * connection closes before the handler replied, its coroutine is cancelled (see {@link Coroutine#cancel()}).
 */
final class CoroutineTcpHandler implements TcpHandler {
    private final Coroutines co;
    private final CoroutineRequestHandler handler;

    CoroutineTcpHandler(Coroutines co, CoroutineRequestHandler handler) {
        this.co = co;
        this.handler = handler;
    }

    @Override
    public TcpExchange newExchange() {
        return new Exchange(handler);
    }

    @Override
    public void handle(TcpExchange exchange) {
        Exchange ex = (Exchange) exchange;
        // The exchange is the coroutine's listener from the start: a handler that fails at once is
        // never taken for an unobserved failure.
        ex.coroutine = co.launch(ex.loop(), ex, true, ex);
    }

    private static final class Exchange extends TcpExchange implements Callable<ByteBuf> {
        private final CoroutineRequestHandler handler;
        /** The handler's coroutine; loop-confined (set by handle, read by onCancel). */
        private Coroutine<ByteBuf> coroutine;

        Exchange(CoroutineRequestHandler handler) {
            this.handler = handler;
        }

        @Override
        public ByteBuf call() throws Exception {
            ByteBuf reply = handler.handle(request());
            Coroutine<?> self = Coroutines.current();
            if (self != null && self.isDone()) {
                // Cut short (connection or runtime closed) while the handler ran: nobody will take the reply.
                ReferenceCountUtil.release(reply);
                return null;
            }
            return reply;
        }

        /** The connection closed before the handler replied: cancel its coroutine. */
        @Override
        protected void onCancel() {
            Coroutine<ByteBuf> c = coroutine;
            if (c != null) {
                c.cancel();
            }
        }
    }
}
