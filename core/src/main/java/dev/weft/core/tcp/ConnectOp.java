package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.OpListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import java.net.InetSocketAddress;

/** Opens a client connection: create the channel, register it on the loop, connect (see {@link OpenOp}). */
final class ConnectOp extends OpenOp<TcpConnection> {
    private final InetSocketAddress remote;
    private final TcpOptions options;
    /** Loop-confined. */
    private ClientChannel connection;

    ConnectOp(Loop loop, InetSocketAddress remote, TcpOptions options, OpListener<? super TcpConnection> listener) {
        super(loop, listener);
        this.remote = remote;
        this.options = options;
    }

    @Override
    Channel newChannel() {
        Channel ch = Transports.socket(loop().runtime().transport());
        ch.config().setOption(ChannelOption.TCP_NODELAY, true);
        ch.config().setWriteBufferWaterMark(options.waterMark);
        ch.config().setConnectTimeoutMillis(options.connectTimeoutMillis());
        connection = new ClientChannel(loop(), options, ch, remote);
        ch.pipeline().addLast(connection);
        return ch;
    }

    @Override
    ChannelFuture open(Channel ch) {
        return ch.connect(remote);
    }

    @Override
    Throwable failure(Throwable cause, boolean registering) {
        return !registering && cause instanceof ConnectTimeoutException
                ? new TcpConnectTimeoutException(remote, options.connectTimeout(), cause)
                : new TcpConnectException(remote, cause);
    }

    @Override
    TcpConnection opened() {
        connection.opened();
        return connection.api;
    }

    @Override
    void discard(TcpConnection value) {
        connection.closeWith(CloseReason.CLOSE, "was closed because its connect operation had been cancelled", null);
    }
}
