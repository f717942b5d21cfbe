package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

/** Opens a server: create the listening channel, register it on the loop, bind (see {@link OpenOp}). */
final class BindOp extends OpenOp<TcpServer> {
    private final TcpOptions options;
    private final TcpHandler handler;
    /** Loop-confined. */
    private TcpServer server;

    private final Object handlerContext;

    BindOp(Loop loop, TcpOptions options, TcpHandler handler, Object handlerContext,
            OpListener<? super TcpServer> listener) {
        super(loop, listener);
        this.options = options;
        this.handler = handler;
        this.handlerContext = handlerContext;
    }

    @Override
    Channel newChannel() {
        server = TcpServer.create(loop(), options, handler, handlerContext);
        return server.channel;
    }

    @Override
    ChannelFuture open(Channel ch) {
        return ch.bind(options.bindAddress());
    }

    @Override
    Throwable failure(Throwable cause, boolean registering) {
        return new TcpBindException(options.bindAddress(), cause);
    }

    @Override
    TcpServer opened() {
        server.started();
        return server;
    }

    @Override
    void discard(TcpServer value) {
        value.closeNow();
    }
}
