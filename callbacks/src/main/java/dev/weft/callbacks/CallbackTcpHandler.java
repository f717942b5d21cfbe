package dev.weft.callbacks;

import dev.weft.core.tcp.TcpExchange;
import dev.weft.core.tcp.TcpHandler;
import io.netty.buffer.ByteBuf;

/** Adapts a {@link CallbackRequestHandler}: each exchange is itself the reply callback. */
final class CallbackTcpHandler implements TcpHandler {
    private final CallbackRequestHandler handler;

    CallbackTcpHandler(CallbackRequestHandler handler) {
        this.handler = handler;
    }

    @Override
    public TcpExchange newExchange() {
        return new Exchange();
    }

    @Override
    public void handle(TcpExchange exchange) throws Exception {
        handler.handle(exchange.request(), (Exchange) exchange);
    }

    /** A core exchange that is also a {@link Callback}: its {@code onComplete} sends the reply. */
    private static final class Exchange extends TcpExchange implements Callback<ByteBuf> {
    }
}
