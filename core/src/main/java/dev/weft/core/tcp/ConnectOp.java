package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import java.net.InetSocketAddress;

/**
 * Opens a client connection: create the channel, register it on the loop, connect. One object is
 * the start task and the listener of both steps. Cancelling (or close()) closes the half-open socket.
 */
final class ConnectOp extends Op<TcpConnection> implements Runnable, ChannelFutureListener {
    private final InetSocketAddress remote;
    private final TcpOptions options;
    /** Set on the loop; read by a cancelling thread (closing a channel is thread-safe). */
    private volatile Channel channel;
    /** Loop-confined. */
    private ClientChannel connection;
    private boolean registered;

    ConnectOp(Loop loop, InetSocketAddress remote, TcpOptions options, OpListener<? super TcpConnection> listener) {
        super(loop, listener);
        this.remote = remote;
        this.options = options;
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
        Channel ch = Transports.socket(loop().runtime().transport());
        ch.config().setOption(ChannelOption.TCP_NODELAY, true);
        ch.config().setWriteBufferWaterMark(options.waterMark);
        ch.config().setConnectTimeoutMillis(options.connectTimeoutMillis());
        connection = new ClientChannel(loop(), options, ch, remote);
        ch.pipeline().addLast(connection);
        channel = ch;
        loop().eventLoop().register(ch).addListener(this);
        if (isFailed() && ch.isRegistered()) {
            ch.close(); // cancelled while we set up: the canceller may not have seen the channel
        }
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        if (!registered) {
            registered = true;
            if (!f.isSuccess()) {
                f.channel().unsafe().closeForcibly();
                fail(new TcpConnectException(remote, f.cause()));
            } else if (isDone()) {
                f.channel().close();
            } else {
                f.channel().connect(remote).addListener(this);
            }
            return;
        }
        if (!f.isSuccess()) {
            f.channel().close();
            Throwable cause = f.cause();
            fail(cause instanceof ConnectTimeoutException
                    ? new TcpConnectTimeoutException(remote, options.connectTimeout(), cause)
                    : new TcpConnectException(remote, cause));
            return;
        }
        connection.opened();
        complete(connection.api); // lost to a cancel: disposeUnreceived closes it
    }

    @Override
    protected void disposeUnreceived(TcpConnection unreceived) {
        connection.closeWith("was closed because its connect operation had been cancelled", null);
    }

    @Override
    protected void onCancel() {
        Channel ch = channel;
        // Netty refuses to close a channel not registered yet (IllegalStateException): then the
        // registration's listener sees this op done and closes it.
        if (ch != null && ch.isRegistered()) {
            ch.close();
        }
    }
}
