package dev.weft.core.tcp;

import dev.weft.core.Loop;
import dev.weft.core.Op;
import dev.weft.core.OpListener;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

/** Opens a server: create the listening channel, register it on the loop, bind. Cancelling closes it. */
final class BindOp extends Op<TcpServer> implements Runnable, ChannelFutureListener {
    private final TcpOptions options;
    private final TcpHandler handler;
    /** Set on the loop; read by a cancelling thread. */
    private volatile TcpServer server;
    /** Loop-confined. */
    private boolean registered;

    BindOp(Loop loop, TcpOptions options, TcpHandler handler, OpListener<? super TcpServer> listener) {
        super(loop, listener);
        this.options = options;
        this.handler = handler;
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
        TcpServer s = TcpServer.create(loop(), options, handler);
        server = s;
        loop().eventLoop().register(s.channel).addListener(this);
        if (isFailed() && s.channel.isRegistered()) {
            s.channel.close(); // cancelled while we set up: the canceller may not have seen the channel
        }
    }

    @Override
    public void operationComplete(ChannelFuture f) {
        if (!registered) {
            registered = true;
            if (!f.isSuccess()) {
                f.channel().unsafe().closeForcibly();
                fail(new TcpBindException(options.bindAddress(), f.cause()));
            } else if (isDone()) {
                f.channel().close();
            } else {
                f.channel().bind(options.bindAddress()).addListener(this);
            }
            return;
        }
        if (!f.isSuccess()) {
            f.channel().close();
            fail(new TcpBindException(options.bindAddress(), f.cause()));
            return;
        }
        TcpServer s = server;
        s.started();
        complete(s); // lost to a cancel: disposeUnreceived closes it
    }

    @Override
    protected void disposeUnreceived(TcpServer unreceived) {
        unreceived.closeNow();
    }

    @Override
    protected void onCancel() {
        TcpServer s = server;
        // Netty refuses to close a channel not registered yet (IllegalStateException): then the
        // registration's listener sees this op done and closes it.
        if (s != null && s.channel.isRegistered()) {
            s.channel.close();
        }
    }
}
